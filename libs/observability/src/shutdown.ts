import type { Logger } from 'pino';

export interface ShutdownOptions {
  logger: Logger;
  /** After this many milliseconds the process exits even if closers still run. */
  graceMs: number;
  /** Called in order, last-started first is the caller's job: pass them in stop order. */
  closers: Array<{ name: string; close: () => Promise<void> | void }>;
  signals?: NodeJS.Signals[];
}

/**
 * Installs SIGTERM/SIGINT handlers that close resources in order and exit 0, or exit 1 if
 * the grace period runs out. A second signal exits at once. Returns the stop function so
 * the process can also stop itself (for example on a fatal error).
 */
export function handleShutdown(options: ShutdownOptions): (reason: string) => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    if (stopping) return stopping;
    options.logger.info({ reason }, 'stopping');
    const timer = setTimeout(() => {
      options.logger.error({ graceMs: options.graceMs }, 'grace period over; exiting');
      process.exit(1);
    }, options.graceMs);
    timer.unref();
    stopping = (async () => {
      const failed = await closeInOrder(options.logger, options.closers).then(
        () => false,
        () => true,
      );
      clearTimeout(timer);
      options.logger.info('stopped');
      options.logger.flush?.();
      process.exitCode = failed ? 1 : 0;
    })();
    return stopping;
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (stopping) {
        options.logger.warn({ signal }, 'second signal; exiting now');
        process.exit(1);
      }
      void stop(signal);
    });
  }
  return stop;
}

/**
 * Closes resources one after the other, in the order given; a failure is logged with the
 * resource's name and does not stop the rest. Rejects at the end when any close failed.
 */
export async function closeInOrder(
  logger: Logger,
  closers: Array<{ name: string; close: () => Promise<void> | void }>,
): Promise<void> {
  const failures: unknown[] = [];
  for (const closer of closers) {
    try {
      await closer.close();
    } catch (err) {
      failures.push(err);
      logger.error({ err, resource: closer.name }, 'close failed');
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'resources failed to close');
}
