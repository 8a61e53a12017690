import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACK_STATES, type UpdateRef } from '@roadcast/contracts';
import type { FleetProcesses } from '../runner/fleet-processes.js';
import type { CpuMeter, CpuUsage } from '../runner/process-cpu.js';

/**
 * What both sides of the tunnel storm share: the update, what counts as acknowledged, and the
 * storm itself (the fleet comes back, progress is sampled until every vehicle answered).
 * Helper module: it exports no scenario.
 */

/**
 * Simulated vehicles between going online and CONNACK at any moment, over the whole fleet:
 * handshakes the simulation cannot finish within the servers' 10 s deadline would be cut off
 * and retried, measuring the simulator rather than the platform.
 */
export const MAX_CONNECTING = 200;
export const CONNECT_CONCURRENCY = 100;
/** Processes the simulated fleet is spread over. */
export const FLEET_PROCESSES = 4;
export const STEP_MS: [number, number] = [200, 1_000];
const SAMPLE_MS = 500;
/** Every state a vehicle's answer can put a delivery in. */
export const ACKNOWLEDGED: readonly string[] = ACK_STATES;

export const UPDATE: UpdateRef = {
  id: 'storm',
  version: '2.0.0',
  url: 'https://updates.example.com/storm-2.0.0.bin',
  sha256: createHash('sha256').update('storm').digest('hex'),
  size: 1_000_000,
};

export interface StormTimes {
  /** What the routers counted, for the notes (Roadcast only). */
  routerCounts?: Record<string, number>;
  /** Routers' resident memory added by the connected fleet, per vehicle (Roadcast only). */
  routerBytesPerVehicle?: number;
  /** Times the baseline's ack counter lost its connection and resumed its session. */
  counterDrops?: number;
  connectS: number;
  ackS: number;
  installS: number;
  resumedShare: number;
  shownTwice: number;
  curve: Array<{ x: number; y: number }>;
  /** CPU from the first reconnect until every vehicle acknowledged. */
  usage: CpuUsage;
}

/**
 * Brings the fleet back and samples progress until every vehicle acknowledged and installed;
 * CPU is read from the first reconnect to the last acknowledgement.
 */
export async function storm(
  fleet: FleetProcesses,
  reconnectWindowS: number,
  meter: CpuMeter,
  read: { acknowledged(): Promise<number>; installed(): Promise<number> },
): Promise<Omit<StormTimes, 'connectS'>> {
  const total = fleet.size;
  const before = await meter.snapshot();
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  await fleet.bringBack(reconnectWindowS * 1000, MAX_CONNECTING);
  const curve: Array<{ x: number; y: number }> = [{ x: 0, y: 0 }];
  let ackS = Number.NaN;
  const deadline = Date.now() + 600_000;
  for (;;) {
    const n = await read.acknowledged();
    curve.push({ x: seconds(), y: n });
    if (n >= total) {
      ackS = seconds();
      break;
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${n} of ${total} vehicles acknowledged`);
    await sleep(SAMPLE_MS);
  }
  const usage = meter.usage(before, await meter.snapshot());
  await until(async () => (await read.installed()) >= total, 600_000, 'every install');
  const installS = seconds();
  const stats = await fleet.stats();
  return {
    ackS,
    installS,
    resumedShare: stats.resumed / total,
    shownTwice: stats.shownTwice,
    curve,
    usage,
  };
}

export async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return (performance.now() - start) / 1000;
}

export async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
