/** The outcome of reading the policy editor's text. */
export type PolicyDraft =
  { ok: true; document: Record<string, unknown> } | { ok: false; problem: string };

/**
 * Checks what can be checked in the page before anything is sent: the text is JSON and a
 * JSON object. The policy's own rules are the router policy library's, applied by the API,
 * which stores nothing that fails them.
 */
export function readPolicyDraft(text: string): PolicyDraft {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problem: 'the policy must be a JSON object' };
  }
  return { ok: true, document: value as Record<string, unknown> };
}
