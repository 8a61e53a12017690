import type { CpuMeter, CpuSnapshot, CpuUsage } from './process-cpu.js';
import type { WorkerProcess } from './worker-process.js';

/**
 * CPU between two events a worker emits (e.g. `measure-start` and `measure-end`), so the
 * window is the worker's own measuring time and not its start-up or warm-up. Call before
 * asking the worker to begin; await `usage()` after its answer.
 */
export function cpuBetweenEvents(
  worker: WorkerProcess,
  meter: CpuMeter,
  startEvent: string,
  endEvent: string,
  timeoutMs = 3_600_000,
): { usage(): Promise<CpuUsage> } {
  const snap = (event: string): Promise<CpuSnapshot> =>
    worker.waitFor(event, timeoutMs).then(() => meter.snapshot());
  const start = snap(startEvent);
  const end = snap(endEvent);
  // The worker may fail before either event; the failure is reported by its request instead.
  start.catch(() => undefined);
  end.catch(() => undefined);
  return { usage: async () => meter.usage(await start, await end) };
}
