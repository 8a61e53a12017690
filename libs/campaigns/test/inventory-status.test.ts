import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '@roadcast/db';
import {
  applyAcks,
  decideBootsOf,
  decideDueBoots,
  recordStatusReports,
  StretchCursors,
  type StatusReport,
} from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';
import { seedCampaign, statesById } from './seed-campaign.js';

let fixture: CampaignsFixture;
let db: Db;

before(async () => {
  fixture = await startCampaignsFixture('inventory_status', 'SELECT 1', { fanoutBatchSize: 100 });
  ({ db } = fixture);
});

after(async () => {
  await fixture.close();
});

const report = (
  vehicleId: string,
  at: string,
  extra: Partial<StatusReport> = {},
): StatusReport => ({
  vehicleId,
  reportedAt: at,
  softwareVersion: null,
  components: [],
  bootHealth: null,
  bootedAt: null,
  ...extra,
});

async function statusRow(vehicleId: string) {
  const { rows } = await db.pool.query(
    `SELECT reported_at, software_version, boot_health::text AS boot_health, healthy_since
     FROM vehicle_status WHERE vehicle_id = $1`,
    [vehicleId],
  );
  return rows[0] as
    | {
        reported_at: Date;
        software_version: string | null;
        boot_health: string | null;
        healthy_since: Date | null;
      }
    | undefined;
}

async function components(vehicleId: string) {
  const { rows } = await db.pool.query<{ component: string; version: string; since: Date }>(
    `SELECT component, version, since FROM vehicle_components WHERE vehicle_id = $1 ORDER BY component`,
    [vehicleId],
  );
  return rows;
}

/** The installed ack of a seeded delivery, as the tracker hands it over. */
async function installedAck(deliveryId: number) {
  const { rows } = await db.pool.query<{ notice_id: string; vehicle_id: string }>(
    `SELECT notice_id, vehicle_id FROM deliveries WHERE id = $1`,
    [deliveryId],
  );
  const row = rows[0]!;
  return {
    vehicleId: row.vehicle_id,
    noticeId: row.notice_id,
    state: 'installed' as const,
    reason: null,
  };
}

test('status reports are stored per vehicle and component; the latest wins, unknown vehicles are dropped', async () => {
  const seeded = await seedCampaign(db.pool, { status: 'running', deliveries: ['published'] });
  const vehicle = seeded.vehicleIds[0]!;
  const { rows: before } = await db.pool.query<{ updated_at: Date }>(
    `SELECT updated_at FROM vehicles WHERE id = $1`,
    [vehicle],
  );
  const first = await recordStatusReports(db.pool, [
    report(vehicle, '2026-11-29T10:00:00.000Z', {
      softwareVersion: '1.0.0',
      components: [
        { id: 'head-unit', version: '1.0.0' },
        { id: 'telematics', version: '4.1' },
      ],
      bootHealth: 'healthy',
      bootedAt: '2026-11-29T09:00:00.000Z',
    }),
    report('NOBODY-REGISTERED', '2026-11-29T10:00:00.000Z'),
  ]);
  assert.deepEqual(first.stored, [vehicle]);
  assert.deepEqual(first.known, [vehicle]);
  assert.deepEqual(
    (await components(vehicle)).map((c) => `${c.component}=${c.version}`),
    ['head-unit=1.0.0', 'telematics=4.1'],
  );
  const headUnitSince = (await components(vehicle))[0]!.since;

  // Two reports in one batch: the later one (by its own time) is stored, whatever the order.
  const second = await recordStatusReports(db.pool, [
    report(vehicle, '2026-11-29T10:05:00.000Z', {
      components: [{ id: 'head-unit', version: '2.0.0' }],
    }),
    report(vehicle, '2026-11-29T10:01:00.000Z', {
      components: [{ id: 'head-unit', version: '9.9.9' }],
    }),
  ]);
  assert.deepEqual(second.stored, [vehicle]);
  const afterChange = await components(vehicle);
  assert.equal(afterChange[0]!.version, '2.0.0');
  assert.ok(afterChange[0]!.since > headUnitSince, 'a new version restarts since');
  assert.equal(afterChange[1]!.version, '4.1', 'a component not in the report stays');

  // An older report than the stored one changes nothing.
  const stale = await recordStatusReports(db.pool, [
    report(vehicle, '2026-11-29T09:59:00.000Z', {
      components: [{ id: 'head-unit', version: '0.1' }],
    }),
  ]);
  assert.deepEqual(stale.stored, []);
  assert.equal((await components(vehicle))[0]!.version, '2.0.0');
  const row = await statusRow(vehicle);
  assert.equal(row?.software_version, '1.0.0', 'a report without a version keeps the stored one');

  const { rows: afterRows } = await db.pool.query<{ updated_at: Date }>(
    `SELECT updated_at FROM vehicles WHERE id = $1`,
    [vehicle],
  );
  assert.deepEqual(
    afterRows[0]!.updated_at,
    before[0]!.updated_at,
    'vehicles.updated_at untouched',
  );
});

test('healthy_since restarts with a new boot and is cleared by an unhealthy one', async () => {
  const seeded = await seedCampaign(db.pool, { status: 'running', deliveries: ['published'] });
  const vehicle = seeded.vehicleIds[0]!;
  const boot = (at: string, health: 'healthy' | 'unhealthy', bootedAt: string) =>
    recordStatusReports(db.pool, [report(vehicle, at, { bootHealth: health, bootedAt })]);
  await boot('2026-11-29T10:00:00.000Z', 'healthy', '2026-11-29T09:00:00.000Z');
  const firstSince = (await statusRow(vehicle))!.healthy_since!;
  await boot('2026-11-29T10:01:00.000Z', 'healthy', '2026-11-29T09:00:00.000Z');
  assert.deepEqual((await statusRow(vehicle))!.healthy_since, firstSince, 'same boot, same streak');
  await boot('2026-11-29T10:02:00.000Z', 'healthy', '2026-11-29T10:01:30.000Z');
  assert.ok(
    (await statusRow(vehicle))!.healthy_since! > firstSince,
    'a reboot restarts the streak',
  );
  await boot('2026-11-29T10:03:00.000Z', 'unhealthy', '2026-11-29T10:02:30.000Z');
  assert.equal((await statusRow(vehicle))!.healthy_since, null);
});

test('healthy boot: installed is verifying; a fall-back fails, a healthy run is installed after the window', async () => {
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: ['installing', 'installing', 'installing'],
    columns: { boot_observation_s: 60 },
  });
  const [fellBack, healthy, silent] = seeded.deliveryIds as [number, number, number];
  const acks = await Promise.all(seeded.deliveryIds.map((id) => installedAck(id)));
  const applied = await applyAcks(db.pool, acks);
  assert.deepEqual(
    applied.map((a) => a.state),
    ['verifying', 'verifying', 'verifying'],
  );
  // A repeated installed ack changes nothing.
  assert.deepEqual(await applyAcks(db.pool, acks.slice(0, 1)), []);

  const at = new Date(Date.now() + 1_000).toISOString();
  const recorded = await recordStatusReports(db.pool, [
    report(seeded.vehicleIds[0]!, at, {
      components: [{ id: 'head-unit', version: '1.0.0' }],
      bootHealth: 'healthy',
      bootedAt: at,
    }),
    report(seeded.vehicleIds[1]!, at, {
      components: [{ id: 'head-unit', version: '2.0.0' }],
      bootHealth: 'healthy',
      bootedAt: at,
    }),
  ]);
  const decided = await decideBootsOf(db.pool, recorded.stored);
  assert.deepEqual(
    decided.map((d) => [d.deliveryId, d.outcome]),
    [[fellBack, 'failed']],
  );
  assert.match(decided[0]!.reason ?? '', /fell back to version 1\.0\.0/);
  let states = await statesById(db.pool, seeded.deliveryIds);
  assert.equal(states.get(healthy), 'verifying', 'not installed before the window ends');
  assert.equal(states.get(silent), 'verifying');

  // The window passes (moved back in time rather than waited for).
  await db.pool.query(
    `UPDATE deliveries SET verifying_at = verifying_at - interval '2 minutes' WHERE campaign_id = $1`,
    [seeded.id],
  );
  await db.pool.query(
    `UPDATE vehicle_status SET healthy_since = healthy_since - interval '2 minutes' WHERE vehicle_id = ANY($1)`,
    [seeded.vehicleIds],
  );
  await db.pool.query(
    `UPDATE vehicle_components SET since = since - interval '2 minutes' WHERE vehicle_id = ANY($1)`,
    [seeded.vehicleIds],
  );
  const due = await decideDueBoots(db.pool, new StretchCursors(1000));
  assert.deepEqual(
    due.map((d) => [d.deliveryId, d.outcome]),
    [[healthy, 'installed']],
  );
  states = await statesById(db.pool, seeded.deliveryIds);
  assert.equal(states.get(fellBack), 'failed');
  assert.equal(states.get(healthy), 'installed');
  assert.equal(states.get(silent), 'verifying', 'no report, no verdict');
});

test('without healthy boot an installed ack is installed at once', async () => {
  const seeded = await seedCampaign(db.pool, { status: 'running', deliveries: ['installing'] });
  const applied = await applyAcks(db.pool, [await installedAck(seeded.deliveryIds[0]!)]);
  assert.deepEqual(
    applied.map((a) => a.state),
    ['installed'],
  );
});

test('a report that repeats the stored versions is a heap-only update of both tables', async () => {
  const seeded = await seedCampaign(db.pool, { status: 'running', deliveries: ['published'] });
  const vehicle = seeded.vehicleIds[0]!;
  const repeat = (at: string) =>
    report(vehicle, at, {
      components: [{ id: 'head-unit', version: '1.0.0' }],
      bootHealth: 'healthy',
      bootedAt: '2026-11-29T09:00:00.000Z',
    });
  await recordStatusReports(db.pool, [repeat('2026-11-29T10:00:00.000Z')]);
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await recordStatusReports(client, [repeat('2026-11-29T10:01:00.000Z')]);
    await recordStatusReports(client, [repeat('2026-11-29T10:02:00.000Z')]);
    const { rows } = await client.query<{ relname: string; upd: number; hot: number }>(
      `SELECT relname, n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot
       FROM pg_stat_xact_user_tables WHERE relname IN ('vehicle_status', 'vehicle_components')
       ORDER BY relname`,
    );
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.ok(row.upd >= 2, `${row.relname}: both reports updated it`);
      assert.equal(row.hot, row.upd, `${row.relname}: every update heap-only`);
    }
    await client.query('ROLLBACK');
  } finally {
    client.release();
  }
});

test('healthy boot: an unhealthy boot of the new version fails; a report from before the install proves nothing', async () => {
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: ['installing', 'installing'],
    columns: { boot_observation_s: 60 },
  });
  const [unhealthy, early] = seeded.vehicleIds as [string, string];
  const at = new Date().toISOString();
  // Reported while still installing: the old version, which is expected then.
  await recordStatusReports(db.pool, [
    report(early, at, { components: [{ id: 'head-unit', version: '1.0.0' }] }),
  ]);
  await applyAcks(db.pool, await Promise.all(seeded.deliveryIds.map((id) => installedAck(id))));
  assert.deepEqual(await decideBootsOf(db.pool, [early]), [], 'the earlier report decides nothing');

  const later = new Date(Date.now() + 1_000).toISOString();
  const recorded = await recordStatusReports(db.pool, [
    report(unhealthy, later, {
      components: [{ id: 'head-unit', version: '2.0.0' }],
      bootHealth: 'unhealthy',
      bootedAt: later,
    }),
  ]);
  const decided = await decideBootsOf(db.pool, recorded.stored);
  assert.deepEqual(
    decided.map((d) => [d.vehicleId, d.outcome]),
    [[unhealthy, 'failed']],
  );
  assert.match(
    decided[0]!.reason ?? '',
    /^ROADCAST_ERR_BOOT_UNHEALTHY: unhealthy boot of version 2\.0\.0/,
  );
  const states = await statesById(db.pool, seeded.deliveryIds);
  assert.equal(states.get(seeded.deliveryIds[1]!), 'verifying');
});
