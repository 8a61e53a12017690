import { join } from 'node:path';
import type { HttpLoadRequest, HttpLoadResult } from '../load/http-load-worker.js';
import type { CleanupScope } from './cleanup.js';
import { WorkerProcess } from './worker-process.js';

const WORKER = join(import.meta.dirname, '../load/http-load-worker.ts');

/** A process that sends open-loop HTTP load (see `src/load/http-load-worker.ts`). */
export function startHttpLoadWorker(scope: CleanupScope, logDir: string): Promise<WorkerProcess> {
  return WorkerProcess.start(WORKER, {
    name: 'http-load',
    logFile: join(logDir, 'http-load.log'),
    scope,
  });
}

export interface LoadHooks {
  /** The timetable starts now (e.g. take a CPU snapshot). */
  onStarted?(): void | Promise<void>;
  /** The last request was due (e.g. the second snapshot); answers are still awaited. */
  onWindowEnded?(): void | Promise<void>;
  /** Ends the window early when it settles (e.g. when the fan-out under test is done). */
  until?: Promise<unknown>;
}

/** One open-loop window from the worker; the hooks run at its start and end. */
export async function runHttpLoad(
  worker: WorkerProcess,
  request: HttpLoadRequest,
  hooks: LoadHooks = {},
): Promise<HttpLoadResult> {
  const started = worker.waitFor('started', 60_000).then(() => hooks.onStarted?.());
  const ended = worker
    .waitFor('window-ended', request.durationMs + 120_000)
    .then(() => hooks.onWindowEnded?.());
  void hooks.until?.then(
    () => worker.request('stop').catch(() => undefined),
    () => worker.request('stop').catch(() => undefined),
  );
  const result = await worker.request<HttpLoadResult>(
    'run',
    request,
    request.durationMs + (request.drainMs ?? 10_000) + 120_000,
  );
  await Promise.all([started, ended]);
  return result;
}
