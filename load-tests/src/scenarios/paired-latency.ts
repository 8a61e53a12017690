import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { quantile, spread } from '../runner/statistics.js';
import { connectVehicle, type Path, type RelayTargets } from './relay-clients.js';

/**
 * Round trips sampled on several paths in turn: one publish→PUBACK on each path, then the
 * next, so every path sees the same moments of a shared machine. Added latency is read per
 * block of consecutive samples, so its spread says whether a difference is real or noise.
 * Helper module: it exports no scenario.
 */

export interface InterleavedSamples {
  samples: Record<Path, number[]>;
  blocks: number;
}

const BLOCKS = 5;
const WARMUP_TURNS = 100;
/** A vehicle index no throughput vehicle uses, so sessions do not collide. */
const FIRST_VEHICLE = 1_000;

export async function interleavedRoundTrips(
  targets: RelayTargets,
  paths: readonly Path[],
  durationMs: number,
  payloadBytes: number,
  onProgress: (elapsed: number, total: number) => void,
): Promise<InterleavedSamples> {
  const clients = await Promise.all(
    paths.map((path, i) => connectVehicle(path, targets, FIRST_VEHICLE + i)),
  );
  const payload = randomBytes(payloadBytes);
  const samples: Record<Path, number[]> = { direct: [], haproxy: [], router: [] };
  try {
    const start = performance.now();
    for (
      let turn = 0;
      performance.now() - start < durationMs || turn < WARMUP_TURNS + BLOCKS * 20;
      turn++
    ) {
      // The first path of each turn rotates, so no path always follows an idle moment.
      for (let k = 0; k < paths.length; k++) {
        const i = (turn + k) % paths.length;
        const client = clients[i]!;
        const t0 = performance.now();
        await client.publishAsync(`vehicles/${client.options.clientId}/ota/acks`, payload, {
          qos: 1,
        });
        if (turn >= WARMUP_TURNS) samples[paths[i]!].push(performance.now() - t0);
      }
      if (turn % 200 === 0) onProgress(Math.min(durationMs, performance.now() - start), durationMs);
    }
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  }
  return { samples, blocks: BLOCKS };
}

/** Splits a path's samples into the same consecutive blocks as every other path's. */
function blocksOf(values: readonly number[], blocks: number): number[][] {
  const size = Math.floor(values.length / blocks);
  return Array.from({ length: blocks }, (_, b) => values.slice(b * size, (b + 1) * size));
}

/**
 * The q-quantile round trip a proxy adds to the direct path: per block p(proxy) − p(direct),
 * their median, and the noise band: the furthest block from that median, so a median within
 * it means some block saw the opposite sign.
 */
export function addedLatency(
  s: InterleavedSamples,
  path: Path,
  q: number,
): { median: number; min: number; max: number; noise: number } {
  const proxy = blocksOf(s.samples[path], s.blocks);
  const direct = blocksOf(s.samples.direct, s.blocks);
  const differences = proxy.map((block, b) => quantile(block, q) - quantile(direct[b] ?? [], q));
  const d = spread(differences);
  return {
    median: d.median,
    min: d.min,
    max: d.max,
    noise: Math.max(d.median - d.min, d.max - d.median),
  };
}
