/**
 * What a scenario has to undo (processes, brokers, databases, Redis keys), registered as it is
 * created, so that the undo runs on success, on failure and on an interrupt alike. The CLI
 * runs whatever is still registered before it exits on SIGINT or SIGTERM.
 */

type Undo = () => Promise<unknown> | unknown;

interface Entry {
  label: string;
  undo: Undo;
}

const open = new Set<CleanupScope>();

export class CleanupScope {
  private readonly entries: Entry[] = [];
  private closing: Promise<string[]> | undefined;

  constructor(readonly name: string) {
    open.add(this);
  }

  /** Registers an undo step; steps run in reverse order of registration. */
  defer(label: string, undo: Undo): void {
    if (this.closing) throw new Error(`${this.name} is already cleaning up; cannot add ${label}`);
    this.entries.push({ label, undo });
  }

  /**
   * Runs every step once, last registered first, each to the end even when an earlier one
   * failed; returns the failures as text. Calling it again waits for the first call.
   */
  close(): Promise<string[]> {
    this.closing ??= (async () => {
      const failures: string[] = [];
      for (const entry of this.entries.splice(0).reverse()) {
        try {
          await entry.undo();
        } catch (err) {
          failures.push(`${entry.label}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      open.delete(this);
      return failures;
    })();
    return this.closing;
  }
}

/**
 * Runs `body` with a fresh scope and closes it afterwards, whatever happened. A failing
 * clean-up after a successful body is an error of its own: leftovers must not go unnoticed.
 */
export async function withCleanup<T>(
  name: string,
  body: (scope: CleanupScope) => Promise<T>,
): Promise<T> {
  const scope = new CleanupScope(name);
  let result: T;
  try {
    result = await body(scope);
  } catch (err) {
    await scope.close();
    throw err;
  }
  const failures = await scope.close();
  if (failures.length > 0) throw new Error(`${name} did not clean up: ${failures.join('; ')}`);
  return result;
}

/** Closes every scope still open (an interrupted run), giving up after `timeoutMs`. */
export async function closeOpenScopes(timeoutMs: number): Promise<string[]> {
  const scopes = [...open].reverse();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([`clean-up gave up after ${timeoutMs} ms`]), timeoutMs);
  });
  try {
    return await Promise.race([
      (async () => (await Promise.all(scopes.map((s) => s.close()))).flat())(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function openScopeCount(): number {
  return open.size;
}
