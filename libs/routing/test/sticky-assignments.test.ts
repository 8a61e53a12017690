import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { EdgeTopology, RoutingError, StickyAssignments, rendezvousPick } from '../src/index.js';
import {
  deletePrefix,
  insertPool,
  insertVehicles,
  openRedis,
  openTestDatabase,
  testPrefix,
  type TestDatabase,
} from './support.js';

describe('StickyAssignments', () => {
  let database: TestDatabase;
  let redis: Redis;
  const prefix = testPrefix('sticky');
  const open: StickyAssignments[] = [];

  async function assignments(): Promise<{ sticky: StickyAssignments; topology: EdgeTopology }> {
    const topology = new EdgeTopology(database.db);
    await topology.refresh();
    const sticky = new StickyAssignments({ db: database.db, redis, prefix, topology });
    await sticky.whenReady();
    open.push(sticky);
    return { sticky, topology };
  }

  async function storedPool(
    vehicleId: string,
  ): Promise<{ pool_id: string | null; pinned: boolean }> {
    const { rows } = await database.db.pool.query(
      'SELECT pool_id, pinned FROM vehicles WHERE id = $1',
      [vehicleId],
    );
    return rows[0];
  }

  before(async () => {
    database = await openTestDatabase('sticky');
    redis = openRedis();
    await insertPool(database.db, 'p1', 100);
    await insertPool(database.db, 'p2', 100);
    await insertPool(database.db, 'p3', 100, 'draining');
  });

  after(async () => {
    await Promise.all(open.map((s) => s.close()));
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await database.drop();
  });

  it('assigns an unassigned vehicle by rendezvous over active pools and stores it everywhere', async () => {
    const [vehicle] = await insertVehicles(database.db, 1, 'A');
    const { sticky, topology } = await assignments();
    const expected = rendezvousPick(
      vehicle!,
      topology.pools().filter((p) => p.state === 'active'),
    )!.id;
    assert.equal(await sticky.poolFor(vehicle!), expected);
    assert.equal((await storedPool(vehicle!)).pool_id, expected);
    assert.equal(await redis.get(`${prefix}:assign:${vehicle}`), expected);
  });

  it('keeps an existing assignment even when the pool would not win today', async () => {
    const [vehicle] = await insertVehicles(database.db, 1, 'B');
    await database.db.pool.query(`UPDATE vehicles SET pool_id = 'p3' WHERE id = $1`, [vehicle]);
    const { sticky } = await assignments();
    assert.equal(await sticky.poolFor(vehicle!), 'p3');
  });

  it('answers from Redis without touching Postgres when the key is cached', async () => {
    const [vehicle] = await insertVehicles(database.db, 1, 'C');
    await redis.set(`${prefix}:assign:${vehicle}`, 'p2');
    const { sticky } = await assignments();
    assert.equal(await sticky.poolFor(vehicle!), 'p2');
    assert.equal((await storedPool(vehicle!)).pool_id, null);
  });

  it('resolves many vehicles at once and agrees with one-by-one lookups', async () => {
    const vehicles = await insertVehicles(database.db, 300, 'D');
    const { sticky } = await assignments();
    const batch = await sticky.poolsFor([...vehicles, ...vehicles.slice(0, 10)]);
    assert.equal(batch.size, 300);
    const { sticky: other } = await assignments();
    for (const v of vehicles.slice(0, 50)) assert.equal(await other.poolFor(v), batch.get(v));
    const { rows } = await database.db.pool.query(
      `SELECT count(*)::int AS n FROM vehicles WHERE id = ANY($1::text[]) AND pool_id IS NOT NULL`,
      [vehicles],
    );
    assert.equal(rows[0].n, 300);
  });

  it('lets two processes with different views of the pools agree on one pool per vehicle', async () => {
    const vehicles = await insertVehicles(database.db, 200, 'E');
    const { sticky: first } = await assignments();
    // The second process saw a heavy new pool that the first has not loaded yet.
    await insertPool(database.db, 'p4', 10_000);
    const { sticky: second } = await assignments();
    // Opposite orders, so the two race on the same rows from both ends.
    const [a, b] = await Promise.all([
      Promise.all(vehicles.map((v) => first.poolFor(v))),
      Promise.all([...vehicles].reverse().map((v) => second.poolFor(v))).then((r) => r.reverse()),
    ]);
    assert.deepEqual(a, b);
    const { rows } = await database.db.pool.query<{ id: string; pool_id: string }>(
      'SELECT id, pool_id FROM vehicles WHERE id = ANY($1::text[])',
      [vehicles],
    );
    const stored = new Map(rows.map((r) => [r.id, r.pool_id]));
    vehicles.forEach((v, i) => assert.equal(stored.get(v), a[i]));
    await database.db.pool.query(`UPDATE edge_pools SET state = 'down' WHERE id = 'p4'`);
  });

  it('respects a stored pool that this process has not loaded yet', async () => {
    const vehicles = await insertVehicles(database.db, 20, 'K');
    const { sticky: stale } = await assignments();
    await insertPool(database.db, 'p5', 1_000_000);
    const { sticky: current } = await assignments();
    const placed = await current.poolsFor(vehicles);
    assert.ok([...placed.values()].every((p) => p === 'p5'));
    const seen = await stale.poolsFor(vehicles);
    assert.deepEqual([...seen.entries()].sort(), [...placed.entries()].sort());
    await database.db.pool.query(`UPDATE edge_pools SET state = 'down' WHERE id = 'p5'`);
  });

  it('moves and pins, and other processes drop their memory copy', async () => {
    const [vehicle] = await insertVehicles(database.db, 1, 'F');
    const { sticky: a } = await assignments();
    const { sticky: b } = await assignments();
    const announced: string[] = [];
    b.onChange((id) => announced.push(id));
    const initial = await b.poolFor(vehicle!);
    const target = initial === 'p1' ? 'p2' : 'p1';
    await a.move(vehicle!, target);
    assert.deepEqual(await storedPool(vehicle!), { pool_id: target, pinned: false });
    // The change reaches b over pub/sub; wait for it rather than for a cache expiry.
    for (let i = 0; i < 50 && (await b.poolFor(vehicle!)) !== target; i++) await delay(20);
    assert.equal(await b.poolFor(vehicle!), target);
    await a.pin(vehicle!, 'p3');
    assert.deepEqual(await storedPool(vehicle!), { pool_id: 'p3', pinned: true });
    for (let i = 0; i < 50 && (await b.poolFor(vehicle!)) !== 'p3'; i++) await delay(20);
    assert.equal(await b.poolFor(vehicle!), 'p3');
    assert.deepEqual(announced, [vehicle, vehicle]);
  });

  it('refuses to move to an unknown pool or an unknown vehicle', async () => {
    const [vehicle] = await insertVehicles(database.db, 1, 'G');
    const { sticky } = await assignments();
    await assert.rejects(
      sticky.move(vehicle!, 'nope'),
      (e: unknown) => e instanceof RoutingError && e.code === 'ROADCAST_ERR_UNKNOWN_POOL',
    );
    await assert.rejects(
      sticky.pin('ZZZZZZZZZZZZZZZZZ', 'p1'),
      (e: unknown) => e instanceof RoutingError && e.code === 'ROADCAST_ERR_UNKNOWN_VEHICLE',
    );
  });

  it('reassigns a vehicle whose pool was deleted', async () => {
    const [vehicle] = await insertVehicles(database.db, 1, 'H');
    await insertPool(database.db, 'gone', 100);
    const { sticky: early } = await assignments();
    await early.pin(vehicle!, 'gone');
    await database.db.pool.query(`DELETE FROM edge_pools WHERE id = 'gone'`);
    const { sticky, topology } = await assignments();
    const expected = rendezvousPick(
      vehicle!,
      topology.pools().filter((p) => p.state === 'active'),
    )!.id;
    // Redis still says "gone"; the router must not send the vehicle there.
    assert.equal(await redis.get(`${prefix}:assign:${vehicle}`), 'gone');
    assert.equal(await sticky.poolFor(vehicle!), expected);
    assert.equal((await storedPool(vehicle!)).pool_id, expected);
  });

  it('answers an unregistered vehicle without storing anything', async () => {
    const { sticky, topology } = await assignments();
    const vehicle = 'UNREGISTERED00001';
    const expected = rendezvousPick(
      vehicle,
      topology.pools().filter((p) => p.state === 'active'),
    )!.id;
    assert.equal(await sticky.poolFor(vehicle), expected);
    assert.equal(await redis.exists(`${prefix}:assign:${vehicle}`), 0);
  });

  it('fails with a coded error when no pool is active', async () => {
    const [vehicle] = await insertVehicles(database.db, 1, 'J');
    const topology = new EdgeTopology(database.db);
    const sticky = new StickyAssignments({ db: database.db, redis, prefix, topology });
    open.push(sticky);
    // Never refreshed: the topology knows no pool at all.
    await assert.rejects(
      sticky.poolFor(vehicle!),
      (e: unknown) => e instanceof RoutingError && e.code === 'ROADCAST_ERR_NO_ACTIVE_POOL',
    );
  });
});
