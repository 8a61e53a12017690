import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { alternate, alternation, rotation } from '../runner/alternation.js';
import { withCleanup } from '../runner/cleanup.js';
import { scenarioMachine } from '../runner/machine.js';
import { cpuRatio, cpuWindow, usPerUnit, type CpuMeter } from '../runner/process-cpu.js';
import { pidSource } from '../runner/process-sources.js';
import {
  measureRawPublisher,
  PUBLISHER_PROCESS,
  RAW_PUBLISHERS,
  startRawPublisherWorker,
  type RawPublisherKind,
} from '../runner/raw-publisher.js';
import { median } from '../runner/statistics.js';
import type {
  CpuWindow,
  Measurement,
  Scenario,
  ScenarioOptions,
  ScenarioResult,
} from '../scenario.js';
import {
  benchUpdate,
  createCampaignThroughApi,
  dropCampaign,
  INFLIGHT,
  rigMeter,
  startPipelineRig,
  watchCampaign,
  type PipelineRig,
} from './fanout-rig.js';
import { campaignMeasurements } from './fanout-measurements.js';

/**
 * One operator request to N vehicles, through the API as operators send it: the CPU every
 * process spends per notice (bridge, API, Postgres, Redis, Mosquitto), when the request was
 * answered, the first notice went out and the last was recorded, read from the platform's own
 * counters. Baselines in the same run, alternating with Roadcast: a raw INSERT … SELECT of the
 * same delivery rows, and two raw QoS 1 publishers to the same broker (MQTT.js and a
 * pre-encoded writer), each in a process of its own.
 */

const DEFAULT_VEHICLES = 100_000;
const SMOKE_VEHICLES = 2_000;
const RAW_PAYLOAD_BYTES = 600;

interface Materialized {
  seconds: number;
  rows: number;
  window: CpuWindow;
}

async function rawMaterialization(
  rig: PipelineRig,
  meter: CpuMeter,
  vehicles: number,
): Promise<Materialized> {
  const id = randomUUID();
  await rig.db.pool.query(
    `INSERT INTO campaigns (id, name, update_id, update_version, update_url, update_sha256, update_size,
       target, expires_at, created_by, updated_at)
     VALUES ($1, 'raw', 'x', '1', 'https://x', $2, 1, '{}', now() + interval '1 day', 'bench', now())`,
    [id, 'e'.repeat(64)],
  );
  const before = await meter.snapshot();
  const started = performance.now();
  const { rowCount } = await rig.db.pool.query(
    `INSERT INTO deliveries (campaign_id, vehicle_id, notice_id)
     SELECT $1, id, gen_random_uuid() FROM vehicles WHERE tags @> ARRAY['bench']::text[]`,
    [id],
  );
  const seconds = (performance.now() - started) / 1000;
  const usage = meter.usage(before, await meter.snapshot());
  await dropCampaign(rig, id);
  if (rowCount !== vehicles) throw new Error(`raw INSERT wrote ${rowCount} of ${vehicles} rows`);
  return {
    seconds,
    rows: vehicles,
    window: cpuWindow('raw INSERT … SELECT (baseline)', 'delivery row', vehicles, usage, {
      involved: ['postgres', 'postgres backends of the scenario database'],
    }),
  };
}

/** A campaign scheduled for later: only its deliveries are written now, through the API. */
async function roadcastMaterialization(
  rig: PipelineRig,
  meter: CpuMeter,
  vehicles: number,
): Promise<Materialized> {
  const before = await meter.snapshot();
  const started = performance.now();
  const { id } = await createCampaignThroughApi(rig, {
    name: 'materialize only',
    update: benchUpdate,
    target: { filter: { tags: ['bench'] } },
    startAt: new Date(Date.now() + 3600_000).toISOString(),
  });
  const done = await watchCampaign(rig.db, id, vehicles, started, { untilMaterialized: true });
  const usage = meter.usage(before, await meter.snapshot());
  await rig.queues.campaigns.obliterate({ force: true });
  await dropCampaign(rig, id);
  return {
    seconds: done.materializedMs / 1000,
    rows: vehicles,
    window: cpuWindow(
      'materialize through the API (scheduled campaign)',
      'delivery row',
      vehicles,
      usage,
      {
        involved: ['api', 'postgres', 'postgres backends of the scenario database'],
      },
    ),
  };
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const vehicles = options.vehicles ?? (options.smoke ? SMOKE_VEHICLES : DEFAULT_VEHICLES);
  const runIndex = options.runIndex ?? 0;
  const progress = (done: number, total: number, label: string) =>
    options.progress?.(done, total, label);
  progress(0, 1, 'starting');
  return withCleanup('fanout', async (scope) => {
    const rig = await startPipelineRig(scope, {
      label: 'bench-fanout',
      outDir: `${options.outDir}/fanout`,
      vehicles,
    });
    const publisher = await startRawPublisherWorker(scope, `${options.outDir}/fanout`);
    const meter = rigMeter(rig, pidSource(PUBLISHER_PROCESS, publisher.pid, 'load'));
    const cpu: CpuWindow[] = [];

    // 1. Materialization, raw and Roadcast in turn (first side rotated between runs).
    const pairs = options.smoke || vehicles >= 500_000 ? 1 : 2;
    const turns = alternation(pairs, runIndex);
    let turn = 0;
    const materialized = await alternate(turns, async ({ side }) => {
      progress(turn++, turns.length, `materializing (${side})`);
      return side === 'baseline'
        ? rawMaterialization(rig, meter, vehicles)
        : roadcastMaterialization(rig, meter, vehicles);
    });
    cpu.push(materialized.roadcast[0]!.window, materialized.baseline[0]!.window);

    // 2. Raw publishers and the fan-out, in an order rotated between runs.
    const raw: Partial<Record<RawPublisherKind, number>> = {};
    let campaign: Awaited<ReturnType<typeof fanOut>> | undefined;
    const steps = rotation<RawPublisherKind | 'fanout'>(
      ['mqttjs', 'preencoded', 'fanout'],
      runIndex,
    );
    for (const step of steps) {
      if (step === 'fanout') {
        campaign = await fanOut(rig, meter, vehicles, (d, t) => progress(d, t, 'fan-out'));
        cpu.push(campaign.window);
        continue;
      }
      progress(0, 1, `raw publisher: ${RAW_PUBLISHERS[step]}`);
      const measured = await measureRawPublisher(publisher, meter, {
        kind: step,
        url: rig.broker.url,
        credentials: rig.broker.credentials('bridge'),
        clients: 1,
        window: INFLIGHT,
        payloadBytes: RAW_PAYLOAD_BYTES,
        warmupMs: options.smoke ? 200 : 1_000,
        measureMs: options.smoke ? 1_000 : 5_000,
        topics: Math.min(vehicles, 100_000),
      });
      raw[step] = measured.result.rate;
      cpu.push(
        cpuWindow(
          `raw publisher: ${RAW_PUBLISHERS[step]}`,
          'publish',
          measured.result.acknowledged,
          measured.usage,
          {
            involved: [PUBLISHER_PROCESS, 'mosquitto'],
          },
        ),
      );
    }
    const done = campaign!;
    const materializeS = median(materialized.roadcast.map((m) => m.seconds));
    const rawMaterializeS = median(materialized.baseline.map((m) => m.seconds));
    const bridgeUs = usPerUnit(done.window, 'bridge');
    const mqttjsWindow = cpu.find((w) => w.name === `raw publisher: ${RAW_PUBLISHERS.mqttjs}`);
    const mqttjsUs = mqttjsWindow ? usPerUnit(mqttjsWindow, PUBLISHER_PROCESS) : Number.NaN;
    const measurements: Measurement[] = [
      {
        name: 'bridge CPU per notice (signed, published, PUBACK recorded)',
        value: bridgeUs,
        unit: 'µs',
        baseline: { name: `${RAW_PUBLISHERS.mqttjs}, CPU per bare publish`, value: mqttjsUs },
        ...cpuRatio(bridgeUs, mqttjsUs),
        target: '<= 80 µs',
        goal: { compare: '<=', threshold: 80 },
        targetId: 'fanout-bridge-cpu',
      },
      {
        name: 'CPU per notice, every listed process',
        value: done.window.processes
          .filter((p) => !p.within && p.role !== 'load')
          .reduce((s, p) => s + p.usPerUnit, 0),
        unit: 'µs',
      },
      {
        name: 'fan-out publish rate (first notice to last recorded)',
        value: done.rate,
        unit: 'msg/s',
        baseline: { name: `${RAW_PUBLISHERS.mqttjs}, QoS 1, same broker`, value: raw.mqttjs! },
        ratio: done.rate / raw.mqttjs!,
        target: '>= 0.5x MQTT.js raw publisher',
        targetId: 'fanout-rate',
      },
      {
        name: 'fan-out publish rate against the pre-encoded writer',
        value: done.rate,
        unit: 'msg/s',
        baseline: { name: RAW_PUBLISHERS.preencoded, value: raw.preencoded! },
        ratio: done.rate / raw.preencoded!,
      },
      {
        name: `materialize ${vehicles.toLocaleString('en-US')} deliveries (scheduled campaign, until the counters add up)`,
        value: materializeS,
        unit: 's',
        baseline: { name: 'raw INSERT … SELECT of the same rows', value: rawMaterializeS },
        ratio: materializeS / rawMaterializeS,
      },
      ...campaignMeasurements(vehicles, done.milestones, done.answeredMs),
    ];
    return {
      scenario: 'fanout',
      startedAt,
      machine: scenarioMachine(),
      parameters: {
        vehicles,
        inflight: INFLIGHT,
        rawPayloadBytes: RAW_PAYLOAD_BYTES,
        materializeOrder: turns.map((t) => t.side),
        order: steps,
      },
      measurements,
      cpu,
      notes: [
        `Bridge and API in their own processes: 1 edge broker, ${INFLIGHT} publishes in flight per connection, default connections and concurrency. The campaign is created through the API; its times come from the campaign's counters, polled every 20 ms until the first notice and every 100 ms after. The bridge and the raw publishers log in to the broker alike, as the bridge.`,
        `Materialization: ${turns.map((t) => t.side).join(' → ')} (${pairs} pair(s), first side rotated between runs); each copy is deleted and the table vacuumed before the next.`,
        'No vehicle holds a session, so every notice ends parked (PUBACK 0x10); the broker work per publish is the same as for published.',
        `End state: ${JSON.stringify(done.milestones.counts)}.`,
      ],
    };
  });
}

async function fanOut(
  rig: PipelineRig,
  meter: CpuMeter,
  vehicles: number,
  onProgress: (done: number, total: number) => void,
) {
  const before = await meter.snapshot();
  const started = performance.now();
  const { id, answeredMs } = await createCampaignThroughApi(rig, {
    name: 'fan-out',
    update: benchUpdate,
    target: { filter: { tags: ['bench'] } },
  });
  const milestones = await watchCampaign(rig.db, id, vehicles, started, { onProgress });
  const usage = meter.usage(before, await meter.snapshot());
  const publishS = (milestones.allRecordedMs - milestones.firstNoticeMs) / 1000;
  return {
    answeredMs,
    milestones,
    rate: vehicles / Math.max(publishS, 1e-3),
    window: cpuWindow('fan-out, request to last delivery recorded', 'notice', vehicles, usage, {
      involved: [
        'bridge',
        'api',
        'postgres',
        'postgres backends of the scenario database',
        'redis',
        'mosquitto',
        'benchmark harness',
      ],
    }),
  };
}

export const fanoutScenario: Scenario = {
  name: 'fanout',
  description:
    'One campaign to N vehicles through the API: CPU per notice of every process, time to answer, first notice and last delivery recorded; against a raw INSERT … SELECT and raw QoS 1 publishers (MQTT.js, pre-encoded), alternating, in one run',
  run,
};
