import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import { uniquePrefix } from '@roadcast/testing';
import { ackTopic, statusTopic } from '@roadcast/contracts';
import { Registry } from 'prom-client';
import { startTracker, type Tracker } from '../src/tracker.js';
import { startAckWorld, type AckWorld } from './ack-world.js';
import { eventually, seedCampaign, statesOf, trackerSettings } from './fixtures.js';

let world: AckWorld;
let db: Db;
let vehicles: MqttClient;
let tracker: Tracker;
const registry = new Registry();
const prefix = uniquePrefix('tracker-status');
const logger = createLogger({ service: 'tracker-test', level: 'warn' });

before(async () => {
  world = await startAckWorld('tracker_status');
  ({ db, vehicles } = world);
  tracker = await startTracker(
    trackerSettings({
      DATABASE_URL: world.database.url,
      REDIS_PREFIX: prefix,
      TRACKER_INSTANCE_ID: `t-${process.pid}`,
      TRACKER_SWEEP_INTERVAL_MS: '600000',
    }),
    { logger, registry },
  );
  await eventually(() => tracker.ready(), 'tracker consuming');
});

after(async () => {
  await tracker.close();
  await world.close(prefix);
});

async function sendStatus(vehicleId: string, body: unknown): Promise<void> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  await vehicles.publishAsync(statusTopic(vehicleId), payload, { qos: 1 });
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await registry.getSingleMetric(name)?.get())?.values.find((v) =>
    Object.entries(labels).every(([k, value]) => v.labels[k] === value),
  );
  return found?.value ?? 0;
}

test('status reports from the edge reach the inventory; bad ones are counted and dropped', async () => {
  const seeded = await seedCampaign(db.pool, { vehicles: 3, label: 'status' });
  const [a, b] = seeded.vehicleIds as [string, string];
  const at = new Date().toISOString();
  await sendStatus(a, {
    softwareVersion: '1.0.0',
    components: [{ id: 'infotainment', version: '1.0.0' }],
    boot: { health: 'healthy', bootedAt: at },
    at,
  });
  await sendStatus(b, { components: [{ id: 'infotainment', version: '1.5.0' }], at });
  await sendStatus(b, 'not json');
  await sendStatus(b, { components: [{ id: 'infotainment' }], at });
  await sendStatus('UNREGISTERED00001', { at });

  await eventually(async () => {
    const { rows } = await db.pool.query<{ vehicle_id: string; version: string }>(
      `SELECT vehicle_id, version FROM vehicle_components WHERE vehicle_id = ANY($1) ORDER BY vehicle_id`,
      [[a, b]],
    );
    return rows.map((r) => `${r.vehicle_id}=${r.version}`).join(',') === `${a}=1.0.0,${b}=1.5.0`;
  }, 'components stored');
  await eventually(
    async () =>
      (await metric('roadcast_tracker_status_ignored_total', { reason: 'unknown_vehicle' })) === 1,
    'unregistered vehicle counted',
  );
  assert.equal(await metric('roadcast_tracker_status_ignored_total', { reason: 'json' }), 1);
  assert.equal(await metric('roadcast_tracker_status_ignored_total', { reason: 'schema' }), 1);
  const { rows } = await db.pool.query<{ boot_health: string }>(
    `SELECT boot_health::text FROM vehicle_status WHERE vehicle_id = $1`,
    [a],
  );
  assert.equal(rows[0]?.boot_health, 'healthy');
});

test('healthy boot through the tracker: a fall-back report fails the verifying delivery', async () => {
  const seeded = await seedCampaign(db.pool, { vehicles: 2, label: 'boot' });
  await db.pool.query(`UPDATE campaigns SET boot_observation_s = 3600 WHERE id = $1`, [
    seeded.campaignId,
  ]);
  const [fallsBack, stays] = seeded.vehicleIds as [string, string];
  for (const v of seeded.vehicleIds) {
    const body = {
      noticeId: seeded.notices.get(v),
      state: 'installed',
      at: new Date().toISOString(),
    };
    await vehicles.publishAsync(ackTopic(v), JSON.stringify(body), { qos: 1 });
  }
  await eventually(async () => {
    const states = await statesOf(db.pool, seeded.campaignId);
    return [...states.values()].every((s) => s === 'verifying');
  }, 'installed acks verifying');
  const at = new Date().toISOString();
  const boot = { health: 'healthy', bootedAt: at };
  await sendStatus(fallsBack, { components: [{ id: 'infotainment', version: '1.0.0' }], boot, at });
  await sendStatus(stays, { components: [{ id: 'infotainment', version: '2.0.0' }], boot, at });
  await eventually(
    async () => (await statesOf(db.pool, seeded.campaignId)).get(fallsBack) === 'failed',
    'fall-back failed',
  );
  const { rows } = await db.pool.query<{ last_error: string }>(
    `SELECT last_error FROM deliveries WHERE vehicle_id = $1`,
    [fallsBack],
  );
  assert.match(rows[0]!.last_error, /fell back to version 1\.0\.0/);
  await tracker.sweep();
  assert.equal(
    (await statesOf(db.pool, seeded.campaignId)).get(stays),
    'verifying',
    'the observation window has not passed',
  );
});
