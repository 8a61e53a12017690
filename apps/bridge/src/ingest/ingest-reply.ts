import { Value } from '@sinclair/typebox/value';
import { IngestCampaignRequest, type IngestReply } from '@roadcast/contracts';

export type ParsedIngest =
  | { ok: true; request: IngestCampaignRequest }
  | { ok: false; reply: Extract<IngestReply, { ok: false }>; replyTo: string | undefined };

/**
 * Parses and validates one campaign request message. Even a message that is not JSON gets
 * an answer: on its MQTT 5 response topic if it has one, else on the configured topic.
 */
export function parseIngestMessage(payload: Buffer): ParsedIngest {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return {
      ok: false,
      replyTo: undefined,
      reply: {
        ok: false,
        requestId: null,
        code: 'ROADCAST_ERR_MALFORMED_JSON',
        message: 'the request is not valid JSON',
      },
    };
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const requestId = typeof record.requestId === 'string' ? record.requestId.slice(0, 128) : null;
  const replyTo =
    typeof record.replyTo === 'string' && !/[+#]/.test(record.replyTo) ? record.replyTo : undefined;
  if (!Value.Check(IngestCampaignRequest, body)) {
    const problems = [...Value.Errors(IngestCampaignRequest, body)].slice(0, 20).map((e) => ({
      path: e.path || '/',
      message: e.message,
    }));
    return {
      ok: false,
      replyTo,
      reply: {
        ok: false,
        requestId,
        code: 'ROADCAST_ERR_VALIDATION',
        message: 'the campaign request is invalid',
        problems,
      },
    };
  }
  return { ok: true, request: body };
}
