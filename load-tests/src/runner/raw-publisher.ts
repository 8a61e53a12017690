import { join } from 'node:path';
import type { RawPublisherKind, RawPublishRequest } from '../load/raw-publisher-worker.js';
import type { CleanupScope } from './cleanup.js';
import type { CpuMeter, CpuUsage } from './process-cpu.js';
import type { PublishRateResult } from './qos1-publish-rate.js';
import { cpuBetweenEvents } from './worker-cpu.js';
import { WorkerProcess } from './worker-process.js';

const WORKER = join(import.meta.dirname, '../load/raw-publisher-worker.ts');

export type { RawPublisherKind };

/** How the report names each raw publisher. */
export const RAW_PUBLISHERS: Record<RawPublisherKind, string> = {
  mqttjs: 'MQTT.js client',
  preencoded: 'pre-encoded QoS 1 writer',
};

/** The source name the publisher process is listed under in CPU windows. */
export const PUBLISHER_PROCESS = 'raw publisher process';

export function startRawPublisherWorker(
  scope: CleanupScope,
  logDir: string,
): Promise<WorkerProcess> {
  return WorkerProcess.start(WORKER, {
    name: 'raw-publisher',
    logFile: join(logDir, 'raw-publisher.log'),
    scope,
  });
}

/**
 * One raw publishing measurement in the worker, with the CPU of every process the meter
 * lists (the worker itself and the broker at least) over the worker's measuring time.
 */
export async function measureRawPublisher(
  worker: WorkerProcess,
  meter: CpuMeter,
  request: RawPublishRequest,
  onProgress?: (elapsedMs: number, totalMs: number) => void,
): Promise<{ result: PublishRateResult; usage: CpuUsage }> {
  const cpu = cpuBetweenEvents(worker, meter, 'measure-start', 'measure-end');
  const progress = (p: unknown) => {
    const { elapsedMs, totalMs } = p as { elapsedMs: number; totalMs: number };
    onProgress?.(elapsedMs, totalMs);
  };
  worker.on('progress', progress);
  try {
    const result = await worker.request<PublishRateResult>(
      'measure',
      request,
      request.warmupMs + request.measureMs + 120_000,
    );
    return { result, usage: await cpu.usage() };
  } finally {
    worker.off('progress', progress);
  }
}
