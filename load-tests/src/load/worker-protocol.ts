/**
 * The worker side of `WorkerProcess`: a load-generating process answers named requests from
 * the scenario and may emit events (`ready`, `measuring`, …). The worker ends when the
 * scenario asks, when it is signalled, or when the scenario's process is gone.
 */

export interface WorkerRequest {
  id: number;
  type: string;
  payload?: unknown;
}

export type WorkerMessage =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string }
  | { kind: 'event'; type: string; payload?: unknown };

export type WorkerHandlers = Record<string, (payload: never) => unknown>;

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** Tells the scenario something happened (e.g. that measuring starts now). */
export function emit(type: string, payload?: unknown): void {
  send({ kind: 'event', type, payload });
}

/**
 * Answers each request with the handler of its name, several at once if they overlap (a
 * `stop` arrives while `run` is still going). `onExit` releases what the worker holds.
 */
export function serveWorker(
  handlers: WorkerHandlers,
  onExit: () => Promise<void> | void = () => undefined,
): void {
  if (!process.send) throw new Error('a worker must be started by WorkerProcess (no IPC channel)');
  let ending = false;
  const end = async (code: number) => {
    if (ending) return;
    ending = true;
    try {
      await onExit();
    } finally {
      process.exit(code);
    }
  };
  process.on('message', (request: WorkerRequest) => {
    const handler = handlers[request.type] as ((payload: unknown) => unknown) | undefined;
    if (!handler) {
      send({ kind: 'reply', id: request.id, ok: false, error: `no handler for ${request.type}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(request.payload))
      .then(
        (result) => send({ kind: 'reply', id: request.id, ok: true, result }),
        (err: unknown) =>
          send({
            kind: 'reply',
            id: request.id,
            ok: false,
            error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          }),
      );
  });
  // The scenario went away (crash, kill): nothing would ever stop this process otherwise.
  process.on('disconnect', () => void end(0));
  process.on('SIGTERM', () => void end(0));
  process.on('SIGINT', () => void end(0));
  emit('ready');
}
