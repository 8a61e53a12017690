import type { LevelWithSilent, Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createLogger } from './logger.js';
import { handleShutdown } from './shutdown.js';

/** What every app's composition root `start<App>(settings, deps)` resolves to. */
export interface RunningService {
  /** Whether the app can do its work now (its readiness check). */
  ready(): Promise<boolean>;
  /** Stops taking work, finishes what is in hand and releases everything it opened. */
  close(): Promise<void>;
}

/** Injectables every composition root accepts; each app adds its own. */
export interface ServiceDeps {
  logger?: Logger;
  /** Where the app registers its metrics; its own registry when omitted. */
  registry?: Registry;
}

/** The settings every app has (libs/config `common`). */
export interface ServiceSettings {
  LOG_LEVEL: LevelWithSilent;
  SHUTDOWN_GRACE_MS: number;
}

/**
 * What `main.ts` does for every app: a logger from the settings, the composition root, and
 * SIGTERM/SIGINT wired to `close()` (exit code 0, or 1 when a close fails or the grace period
 * runs out). A root that fails to start is logged and the process exits 1.
 */
export async function runService<S extends ServiceSettings>(
  service: string,
  settings: S,
  start: (settings: S, deps: { logger: Logger }) => Promise<RunningService>,
): Promise<void> {
  const logger = createLogger({ service, level: settings.LOG_LEVEL });
  let running: RunningService;
  try {
    running = await start(settings, { logger });
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    logger.flush();
    process.exit(1);
  }
  handleShutdown({
    logger,
    graceMs: settings.SHUTDOWN_GRACE_MS,
    closers: [{ name: service, close: () => running.close() }],
  });
}
