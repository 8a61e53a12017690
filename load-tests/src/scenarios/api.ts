import { alternation } from '../runner/alternation.js';
import { withCleanup } from '../runner/cleanup.js';
import { scenarioMachine } from '../runner/machine.js';
import { scheduleShortfall } from '../load/open-loop-schedule.js';
import type { HttpLoadResult } from '../load/http-load-worker.js';
import { runHttpLoad, startHttpLoadWorker } from '../runner/open-loop-load.js';
import {
  cpuRatio,
  cpuWindow,
  usPerUnit,
  type CpuMeter,
  type CpuSnapshot,
} from '../runner/process-cpu.js';
import { pidSource } from '../runner/process-sources.js';
import {
  histogramDelta,
  histogramQuantile,
  quantileBeyondBuckets,
  readHistogram,
  type HistogramSnapshot,
} from '../runner/prometheus-histogram.js';
import { quantile } from '../runner/statistics.js';
import type {
  CpuWindow,
  Measurement,
  Scenario,
  ScenarioOptions,
  ScenarioResult,
} from '../scenario.js';
import type { WorkerProcess } from '../runner/worker-process.js';
import {
  benchUpdate,
  createCampaignThroughApi,
  rigMeter,
  startPipelineRig,
  watchCampaign,
  type PipelineRig,
} from './fanout-rig.js';

/**
 * Campaign status reads (`GET /v1/campaigns/{id}`) at a fixed arrival rate from a load
 * generator of its own (open loop: requests leave on a timetable whatever the answers, and
 * each is timed from when it was due), once with the platform idle (the baseline) and once
 * while the bridge fans out a large campaign; the two in an order rotated between runs.
 * Latency comes from the client and from the API's own request histogram.
 */

const RATE = 500;
const DEFAULTS = { vehicles: 200_000, durationS: 20, idleS: 5 };
const SMOKE = { vehicles: 2_000, durationS: 1, idleS: 0.5 };
const LOAD = 'load generator (open loop)';
const HISTOGRAM = 'roadcast_api_request_duration_seconds';
const ROUTE = { route: '/v1/campaigns/:id', method: 'GET' };

interface Window {
  load: HttpLoadResult;
  server: HistogramSnapshot;
  cpu: CpuWindow;
  /** The fan-out ended before the window did (busy window only). */
  fanoutEnded?: boolean;
}

async function scrape(rig: PipelineRig): Promise<HistogramSnapshot> {
  const text = await fetch(`${rig.apiUrl}/metrics`).then((r) => r.text());
  return readHistogram(text, HISTOGRAM, ROUTE);
}

/** One open-loop window against `campaignId`, with server histogram and CPU around it. */
async function statusWindow(
  rig: PipelineRig,
  worker: WorkerProcess,
  meter: CpuMeter,
  campaignId: string,
  name: string,
  seconds: number,
  until?: Promise<unknown>,
): Promise<Omit<Window, 'fanoutEnded'>> {
  const before = await scrape(rig);
  let start: CpuSnapshot | undefined;
  let end: CpuSnapshot | undefined;
  const load = await runHttpLoad(
    worker,
    {
      url: `${rig.apiUrl}/v1/campaigns/${campaignId}`,
      headers: { authorization: `Bearer ${rig.adminKey}` },
      ratePerSecond: RATE,
      durationMs: seconds * 1000,
    },
    {
      onStarted: async () => void (start = await meter.snapshot()),
      onWindowEnded: async () => void (end = await meter.snapshot()),
      ...(until ? { until } : {}),
    },
  );
  const server = histogramDelta(before, await scrape(rig));
  const requests = Math.max(1, load.schedule.sent);
  const usage = meter.usage(start!, end!);
  return {
    load,
    server,
    cpu: cpuWindow(name, 'status request', requests, usage, {
      involved: [
        'api',
        'postgres',
        'postgres backends of the scenario database',
        'redis',
        LOAD,
        'bridge',
      ],
    }),
  };
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  const vehicles = options.vehicles ?? base.vehicles;
  const durationS = options.durationS ?? base.durationS;
  options.progress?.(0, 1, 'starting');
  return withCleanup('api', async (scope) => {
    const rig = await startPipelineRig(scope, {
      label: 'bench-api',
      outDir: `${options.outDir}/api`,
      vehicles,
    });
    const worker = await startHttpLoadWorker(scope, `${options.outDir}/api`);
    const meter = rigMeter(rig, pidSource(LOAD, worker.pid, 'load'));
    const small = await createCampaignThroughApi(rig, {
      name: 'idle status',
      update: benchUpdate,
      target: { vehicleIds: ['BV000000001'] },
      startAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    // A short unmeasured run warms the API's code paths and the generator's sockets.
    await runHttpLoad(worker, {
      url: `${rig.apiUrl}/v1/campaigns/${small.id}`,
      headers: { authorization: `Bearer ${rig.adminKey}` },
      ratePerSecond: RATE,
      durationMs: 1000,
    });

    const order = alternation(1, options.runIndex ?? 0).map((t) => t.side);
    let idle: Window | undefined;
    let busy: Window | undefined;
    let published = 0;
    for (const side of order) {
      if (side === 'baseline') {
        options.progress?.(0, 1, 'status with the platform idle');
        idle = await statusWindow(
          rig,
          worker,
          meter,
          small.id,
          'status reads, platform idle (baseline)',
          base.idleS,
        );
        continue;
      }
      const big = await createCampaignThroughApi(rig, {
        name: 'large fan-out',
        update: benchUpdate,
        target: { filter: { tags: ['bench'] } },
      });
      const fanout = watchCampaign(rig.db, big.id, vehicles, performance.now(), {
        onProgress: (done) => (published = done),
      });
      fanout.catch(() => undefined);
      let fanoutEnded = false;
      const ended = fanout.then(() => (fanoutEnded = true));
      const window = await statusWindow(
        rig,
        worker,
        meter,
        big.id,
        'status reads during the fan-out',
        durationS,
        ended,
      );
      busy = { ...window, fanoutEnded };
      // The idle baseline, when it comes next, must not overlap the fan-out's tail.
      if (side !== order.at(-1)) {
        options.progress?.(1, 2, 'waiting for the fan-out to end');
        await fanout;
      }
    }
    return report(startedAt, vehicles, durationS, idle!, busy!, published, order);
  });
}

function report(
  startedAt: string,
  vehicles: number,
  durationS: number,
  idle: Window,
  busy: Window,
  published: number,
  order: string[],
): ScenarioResult {
  const shortfall = scheduleShortfall(busy.load.schedule);
  const idleShortfall = scheduleShortfall(idle.load.schedule);
  const p = (w: Window, q: number) => quantile(w.load.latenciesMs, q);
  const server = (w: Window, q: number) => histogramQuantile(w.server, q) * 1000;
  const unscored = shortfall ?? idleShortfall;
  const measurements: Measurement[] = [
    {
      name: `campaign status p99 at ${RATE} req/s during fan-out (client, from due time)`,
      value: p(busy, 0.99),
      unit: 'ms',
      baseline: { name: 'the same load with the platform idle', value: p(idle, 0.99) },
      ratio: p(busy, 0.99) / p(idle, 0.99),
      target: '<= 25 ms',
      goal: { compare: '<=', threshold: 25 },
      targetId: 'api-status-p99',
      ...(unscored ? { unscored } : {}),
    },
    {
      name: `campaign status p99 during fan-out (the API's own histogram)`,
      value: server(busy, 0.99),
      unit: 'ms',
      baseline: { name: 'platform idle', value: server(idle, 0.99) },
    },
    { name: `campaign status p50 during fan-out (client)`, value: p(busy, 0.5), unit: 'ms' },
    {
      name: 'campaign status p50 with the platform idle (client)',
      value: p(idle, 0.5),
      unit: 'ms',
    },
    {
      name: 'requests sent on time during fan-out',
      value: busy.load.schedule.sentOnTime,
      unit: 'requests',
      baseline: { name: 'intended', value: busy.load.schedule.intended },
      ratio: busy.load.schedule.sentOnTime / Math.max(1, busy.load.schedule.intended),
    },
    {
      name: 'achieved request rate during fan-out',
      value: busy.load.schedule.achievedRate,
      unit: 'req/s',
    },
    {
      name: 'API CPU per status request during fan-out',
      value: usPerUnit(busy.cpu, 'api'),
      unit: 'µs',
      baseline: { name: 'platform idle', value: usPerUnit(idle.cpu, 'api') },
      ...cpuRatio(usPerUnit(busy.cpu, 'api'), usPerUnit(idle.cpu, 'api')),
    },
    {
      name: 'failed or unanswered status requests during fan-out',
      value:
        (busy.load.outcomes.error ?? 0) + (busy.load.outcomes['5xx'] ?? 0) + busy.load.unanswered,
      unit: 'requests',
    },
  ];
  const notes = [
    `Load: ${RATE} GET /v1/campaigns/{id} per second from a process of its own, open loop; every latency counts from the moment the request was due, so a lagging server or generator shows up instead of hiding. A window is scored only when at least 95 % of its requests left within 10 ms of their due time.`,
    `Windows: ${order.join(' → ')} (rotated between runs); the fan-out window ran ${busy.load.schedule.seconds.toFixed(1)} s of at most ${durationS} s${busy.fanoutEnded ? ', ended early by the end of the fan-out' : ''} (${published.toLocaleString('en-US')} of ${vehicles.toLocaleString('en-US')} notices out when the fan-out was last read).`,
    `The generator ran at scheduling priority ${busy.load.nice} (nice; it asks for -5, standing in for clients on other machines, and uses the default where that is not permitted).`,
    `Sent on time: ${busy.load.schedule.sentOnTime} of ${busy.load.schedule.intended} during the fan-out (worst delay ${busy.load.schedule.maxLatenessMs.toFixed(0)} ms), ${idle.load.schedule.sentOnTime} of ${idle.load.schedule.intended} idle.`,
    `The API's histogram (buckets 1, 2.5, 5, 10, 25, 50 ms …) is read before and after each window; its quantiles are interpolated within a bucket${quantileBeyondBuckets(busy.server, 0.99) ? ' and the fan-out p99 lies beyond the largest bucket, so it is a lower bound' : ''}. It starts timing when Fastify has the request, so it leaves out the queue in front of the API.`,
    'API CPU per request during the fan-out includes whatever else the API process did meanwhile for the campaign.',
    ...(shortfall ? [`Fan-out window not scored: ${shortfall}.`] : []),
    ...(idleShortfall ? [`Idle window not scored: ${idleShortfall}.`] : []),
  ];
  return {
    scenario: 'api',
    startedAt,
    machine: scenarioMachine(),
    parameters: { vehicles, durationS, rate: RATE, order },
    measurements,
    cpu: [idle.cpu, busy.cpu],
    notes,
  };
}

export const apiScenario: Scenario = {
  name: 'api',
  description: `Campaign status latency at ${RATE} requests/s, open loop from a process of its own, while a large fan-out runs, against the same load on an idle platform`,
  run,
};
