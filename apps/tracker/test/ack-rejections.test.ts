import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { ackTopic } from '@roadcast/contracts';
import { createLogger } from '@roadcast/observability';
import { uniquePrefix } from '@roadcast/testing';
import { startTracker, type Tracker } from '../src/tracker.js';
import { startAckWorld, type AckWorld } from './ack-world.js';
import { eventually, seedCampaign, trackerSettings } from './fixtures.js';

let world: AckWorld;
let tracker: Tracker | undefined;
const prefix = uniquePrefix('tracker-rejections');
const lines: Array<Record<string, unknown>> = [];
let logBytes = 0;
const logger = createLogger({
  service: 'tracker-test',
  level: 'info',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      logBytes += chunk.length;
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }),
});

before(async () => {
  world = await startAckWorld('tracker_rejections');
});

after(async () => {
  await tracker?.close();
  await world.close(prefix);
});

test('a flood of unusable acks is counted in full and logged within a bounded budget', async () => {
  const registry = new Registry();
  tracker = await startTracker(
    trackerSettings({
      DATABASE_URL: world.database.url,
      REDIS_PREFIX: prefix,
      TRACKER_INSTANCE_ID: `t-${process.pid}`,
      TRACKER_BATCH_SIZE: '200',
    }),
    { logger, registry },
  );
  const seeded = await seedCampaign(world.db.pool, { vehicles: 5, label: 'rejections' });
  await eventually(() => tracker!.ready(), 'tracker consuming');
  const [vehicleId] = seeded.vehicleIds;
  const notice = seeded.notices.get(vehicleId!)!;
  const before = logBytes;
  // 1,500 that are not JSON and 1,500 valid-looking acks for a notice the vehicle does not have.
  const flood: Array<Promise<unknown>> = [];
  for (let i = 0; i < 1_500; i += 1) {
    flood.push(world.vehicles.publishAsync(ackTopic(vehicleId!), `not json ${i}`, { qos: 1 }));
    const stranger = { noticeId: randomUUID(), state: 'installed', at: new Date().toISOString() };
    flood.push(
      world.vehicles.publishAsync(ackTopic(vehicleId!), JSON.stringify(stranger), { qos: 1 }),
    );
  }
  await Promise.all(flood);
  // One honest ack still gets through.
  const ack = { noticeId: notice, state: 'received', at: new Date().toISOString() };
  await world.vehicles.publishAsync(ackTopic(vehicleId!), JSON.stringify(ack), { qos: 1 });

  const ignored = async (reason: string) =>
    (await registry.getSingleMetric('roadcast_tracker_acks_ignored_total')?.get())?.values.find(
      (v) => v.labels.reason === reason,
    )?.value ?? 0;
  await eventually(
    async () => (await ignored('json')) === 1_500 && (await ignored('stale')) === 1_500,
    'every unusable ack counted',
  );
  const applied = await world.db.pool.query(`SELECT state FROM deliveries WHERE notice_id = $1`, [
    notice,
  ]);
  assert.equal(applied.rows[0]?.state, 'received');
  const json = lines.filter((l) => l.msg === 'ack ignored' && l.problem === 'json');
  const stale = lines.filter((l) => l.msg === 'ack changed nothing');
  // 20 lines per reason per 10 s interval; the flood takes a few seconds at most.
  assert.ok(json.length >= 1 && json.length <= 40, `${json.length} lines for invalid JSON`);
  assert.ok(stale.length >= 1 && stale.length <= 40, `${stale.length} lines for stale acks`);
  assert.equal(stale[0]?.vehicleId, vehicleId);
  const written = logBytes - before;
  assert.ok(written < 32 * 1_024, `3,000 unusable acks wrote ${written} bytes of log`);
  await tracker.close();
  tracker = undefined;
  // Closing sums up what was held back.
  const summaries = lines.filter((l) => l.msg === 'log lines held back');
  const held = (reason: string) =>
    summaries.filter((l) => l.reason === reason).reduce((n, l) => n + (l.suppressed as number), 0);
  assert.equal(held('json') + json.length, 1_500);
  assert.equal(held('stale') + stale.length, 1_500);
});
