import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { getCampaignDetail } from '@roadcast/campaigns';
import { quantile } from '../runner/statistics.js';
import { scenarioMachine } from '../runner/machine.js';
import type { Measurement, Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';
import { benchUpdate, startPipelineRig } from './fanout-rig.js';

/**
 * Campaign status reads (`GET /v1/campaigns/{id}`) at a fixed arrival rate, first with the
 * platform idle (the baseline), then while the bridge fans out a large campaign, each against
 * the API and bridge running as their own processes.
 */

const RATE = 500;
const DEFAULTS = { vehicles: 100_000, durationS: 10, idleS: 3 };
const SMOKE = { vehicles: 2_000, durationS: 1, idleS: 0.5 };

interface LoadResult {
  latenciesMs: number[];
  errors: number;
  sent: number;
}

/** Open-loop load: requests start on schedule whether or not earlier ones have answered. */
async function load(
  url: string,
  key: string,
  seconds: number,
  onProgress?: (ms: number) => void,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const tickMs = 10;
  const perTick = (RATE * tickMs) / 1000;
  let due = 0;
  while (performance.now() - started < seconds * 1000) {
    due += perTick;
    while (due >= 1) {
      due -= 1;
      sent += 1;
      const t0 = performance.now();
      const p = fetch(url, { headers: { authorization: `Bearer ${key}` } })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status === 200) latenciesMs.push(performance.now() - t0);
          else errors += 1;
        })
        .catch(() => {
          errors += 1;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    onProgress?.(performance.now() - started);
    const next = started + (sent / RATE) * 1000;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(inFlight);
  return { latenciesMs, errors, sent };
}

async function createCampaign(apiUrl: string, key: string, body: unknown): Promise<string> {
  const res = await fetch(`${apiUrl}/v1/campaigns`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201)
    throw new Error(`campaign not created: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  const vehicles = options.vehicles ?? base.vehicles;
  const durationS = options.durationS ?? base.durationS;
  const notes: string[] = [];
  options.progress?.(0, 1, 'starting');
  const rig = await startPipelineRig({
    label: 'bench-api',
    outDir: `${options.outDir}/api`,
    vehicles,
    withApi: true,
  });
  try {
    const apiUrl = rig.apiUrl!;
    const small = await createCampaign(apiUrl, rig.adminKey, {
      name: 'idle status',
      update: benchUpdate,
      target: { vehicleIds: ['BV000000001'] },
      startAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    await load(`${apiUrl}/v1/campaigns/${small}`, rig.adminKey, 0.5);
    const idle = await load(`${apiUrl}/v1/campaigns/${small}`, rig.adminKey, base.idleS);

    const big = await createCampaign(apiUrl, rig.adminKey, {
      name: 'large fan-out',
      update: benchUpdate,
      target: { filter: { tags: ['bench'] } },
    });
    const busy = await load(`${apiUrl}/v1/campaigns/${big}`, rig.adminKey, durationS, (ms) =>
      options.progress?.(ms, durationS * 1000, 'status under fan-out'),
    );
    const after = await getCampaignDetail(rig.db.pool, big);
    const published = after ? after.total - after.counts.pending : 0;
    if (after && after.counts.pending === 0) {
      notes.push(
        `The fan-out of ${vehicles} vehicles finished within the measuring time; a larger fleet keeps it busy throughout.`,
      );
    } else {
      notes.push(
        `The fan-out was still running when measuring ended (${published} of ${vehicles} notices published).`,
      );
    }
    notes.push(
      `Open-loop load at ${RATE} requests/s from this process; API and bridge run as separate processes.`,
    );
    const p99 = quantile(busy.latenciesMs, 0.99);
    const idleP99 = quantile(idle.latenciesMs, 0.99);
    const measurements: Measurement[] = [
      {
        name: `campaign status p99 at ${RATE} req/s during fan-out`,
        value: p99,
        unit: 'ms',
        baseline: { name: `same requests at ${RATE} req/s with the platform idle`, value: idleP99 },
        ratio: p99 / idleP99,
        target: '<= 25 ms',
        met: p99 <= 25,
      },
      {
        name: `campaign status p50 at ${RATE} req/s during fan-out`,
        value: quantile(busy.latenciesMs, 0.5),
        unit: 'ms',
      },
      {
        name: 'campaign status answered rate during fan-out',
        value: busy.latenciesMs.length / durationS,
        unit: 'req/s',
      },
      { name: 'campaign status errors during fan-out', value: busy.errors, unit: 'requests' },
    ];
    return {
      scenario: 'api',
      startedAt,
      machine: scenarioMachine(),
      parameters: { vehicles, durationS, rate: RATE, sent: busy.sent },
      measurements,
      notes,
    };
  } finally {
    await rig.close();
  }
}

export const apiScenario: Scenario = {
  name: 'api',
  description: `Campaign status p99 at ${RATE} requests/s while a large fan-out runs, against the same load on an idle platform`,
  run,
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await run({
    outDir: process.env.BENCH_OUT ?? 'load-tests/out/api-standalone',
    ...(process.env.BENCH_VEHICLES ? { vehicles: Number(process.env.BENCH_VEHICLES) } : {}),
    smoke: process.env.BENCH_SMOKE === '1',
  });
  console.log(JSON.stringify(result, null, 2));
}
