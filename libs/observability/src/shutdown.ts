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
      let failed = false;
      for (const closer of options.closers) {
        try {
          await closer.close();
        } catch (err) {
          failed = true;
          options.logger.error({ err, resource: closer.name }, 'close failed');
        }
      }
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
