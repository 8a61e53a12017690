import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createCampaign } from '@roadcast/campaigns';
import { scenarioMachine } from '../runner/machine.js';
import { measurePublishRate } from '../runner/qos1-publish-rate.js';
import type { Measurement, Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';
import {
  benchUpdate,
  INFLIGHT,
  startPipelineRig,
  waitUntilMaterialized,
  waitUntilPublished,
  type PipelineRig,
} from './fanout-rig.js';

/**
 * One operator request to N vehicles: how long materializing the deliveries takes against a
 * raw INSERT … SELECT in the same database, and how fast the bridge (its own process) gets
 * signed notices PUBACKed by Mosquitto against one MQTT.js client publishing QoS 1 to the
 * same broker in the same run.
 */

const DEFAULT_VEHICLES = 100_000;
const SMOKE_VEHICLES = 2_000;
/** The size the one-million target is stated for; smaller runs are scaled to it. */
const TARGET_VEHICLES = 1_000_000;

async function rawMaterialization(rig: PipelineRig): Promise<number> {
  const id = randomUUID();
  await rig.db.pool.query(
    `INSERT INTO campaigns (id, name, update_id, update_version, update_url, update_sha256, update_size,
       target, expires_at, created_by, updated_at)
     VALUES ($1, 'raw', 'x', '1', 'https://x', $2, 1, '{}', now() + interval '1 day', 'bench', now())`,
    [id, 'e'.repeat(64)],
  );
  const started = performance.now();
  await rig.db.pool.query(
    `INSERT INTO deliveries (campaign_id, vehicle_id, notice_id)
     SELECT $1, id, gen_random_uuid() FROM vehicles WHERE tags @> ARRAY['bench']::text[]`,
    [id],
  );
  const seconds = (performance.now() - started) / 1000;
  await rig.db.pool.query('DELETE FROM campaigns WHERE id = $1', [id]);
  await rig.db.pool.query('VACUUM ANALYZE deliveries');
  return seconds;
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const vehicles = options.vehicles ?? (options.smoke ? SMOKE_VEHICLES : DEFAULT_VEHICLES);
  const notes: string[] = [];
  const progress = (done: number, total: number, label: string) =>
    options.progress?.(done, total, label);
  progress(0, 1, 'starting');
  const rig = await startPipelineRig({
    label: 'bench-fanout',
    outDir: `${options.outDir}/fanout`,
    vehicles,
  });
  try {
    // 1. Materialization, raw first so both see a table of the same size.
    const rawSeconds = await rawMaterialization(rig);
    let started = performance.now();
    const scheduled = await createCampaign(
      rig.pipeline,
      {
        name: 'materialize only',
        update: benchUpdate,
        target: { filter: { tags: ['bench'] } },
        startAt: new Date(Date.now() + 3600_000).toISOString(),
      },
      { createdBy: 'bench' },
    );
    // Large targets are written by the bridge in the background: time until all are.
    const materialized = await waitUntilMaterialized(rig.db, scheduled.campaign.id);
    const materializeSeconds = (performance.now() - started) / 1000;
    if (materialized.total !== vehicles)
      throw new Error(`materialized ${materialized.total} of ${vehicles}`);
    await rig.pipeline.queues.campaigns.obliterate({ force: true });
    await rig.db.pool.query('DELETE FROM campaigns WHERE id = $1', [scheduled.campaign.id]);
    await rig.db.pool.query('VACUUM ANALYZE deliveries');

    // 2. Raw QoS 1 publish rate of one MQTT.js client to the same broker.
    progress(0, 1, 'raw publish rate');
    const raw = await measurePublishRate({
      url: rig.broker.url,
      clients: 1,
      window: INFLIGHT,
      payloadBytes: 600,
      warmupMs: options.smoke ? 200 : 1_000,
      measureMs: options.smoke ? 1_000 : 5_000,
      topics: Math.min(vehicles, 100_000),
    });

    // 3. The fan-out, from the request to the last PUBACK recorded.
    started = performance.now();
    const { campaign } = await createCampaign(
      rig.pipeline,
      { name: 'fan-out', update: benchUpdate, target: { filter: { tags: ['bench'] } } },
      { createdBy: 'bench' },
    );
    const createSeconds = (performance.now() - started) / 1000;
    const publishStarted = performance.now();
    const done = await waitUntilPublished(rig.db, campaign.id, (d, t) => progress(d, t, 'fan-out'));
    const publishSeconds = (performance.now() - publishStarted) / 1000;
    const totalSeconds = (performance.now() - started) / 1000;
    const rate = vehicles / publishSeconds;
    if (done.counts.parked + done.counts.published !== vehicles) {
      notes.push(`unexpected end state: ${JSON.stringify(done.counts)}`);
    }
    const scaled = (materializeSeconds * TARGET_VEHICLES) / vehicles;
    const measurements: Measurement[] = [
      {
        name: `materialize ${vehicles.toLocaleString('en-US')} deliveries (create campaign)`,
        value: materializeSeconds,
        unit: 's',
        baseline: { name: 'raw INSERT … SELECT of the same rows', value: rawSeconds },
        ratio: materializeSeconds / rawSeconds,
        target:
          vehicles >= TARGET_VEHICLES
            ? '<= 10 s for 1,000,000'
            : `<= 10 s for 1,000,000 (linear estimate ${scaled.toFixed(1)} s)`,
        met: scaled <= 10,
      },
      {
        name: 'fan-out publish rate (signed, PUBACKed, recorded)',
        value: rate,
        unit: 'msg/s',
        baseline: { name: 'one MQTT.js client, QoS 1, same broker', value: raw.rate },
        ratio: rate / raw.rate,
        target: '>= 0.5x raw publish rate',
        met: rate / raw.rate >= 0.5,
      },
      { name: 'fan-out time, request to last delivery recorded', value: totalSeconds, unit: 's' },
      { name: 'create request (materialize and enqueue)', value: createSeconds, unit: 's' },
    ];
    notes.push(
      `Bridge in its own process: 1 edge broker, ${INFLIGHT} publishes in flight per connection, default connections and concurrency.`,
      'No vehicle holds a session, so every notice ends parked (PUBACK 0x10); the broker work per publish is the same as for published.',
    );
    return {
      scenario: 'fanout',
      startedAt,
      machine: scenarioMachine(),
      parameters: { vehicles, inflight: INFLIGHT, rawPayloadBytes: 600 },
      measurements,
      notes,
    };
  } finally {
    await rig.close();
  }
}

export const fanoutScenario: Scenario = {
  name: 'fanout',
  description:
    'Campaign materialization vs a raw INSERT … SELECT, and bridge fan-out rate vs one raw MQTT.js QoS 1 publisher, in one run',
  run,
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await run({
    outDir: process.env.BENCH_OUT ?? 'load-tests/out/fanout-standalone',
    ...(process.env.BENCH_VEHICLES ? { vehicles: Number(process.env.BENCH_VEHICLES) } : {}),
    smoke: process.env.BENCH_SMOKE === '1',
  });
  console.log(JSON.stringify(result, null, 2));
}
