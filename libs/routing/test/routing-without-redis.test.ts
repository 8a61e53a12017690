/**
 * Sticky lookups with Redis taken away: a private redis-server that the test kills, pauses
 * and restarts (the shared one is never touched), real Postgres.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createDb } from '@roadcast/db';
import { startRedisServer, type RedisServer } from '@roadcast/testing';
import {
  EdgeTopology,
  StickyAssignments,
  rendezvousPick,
  type RoutingFallback,
} from '../src/index.js';
import {
  insertPool,
  insertVehicles,
  openTestDatabase,
  testPrefix,
  type TestDatabase,
} from './support.js';

/**
 * Commands the server ran since the last call, by name; a script's own calls are counted too,
 * and EVAL and EVALSHA both count as `script` (a restarted server has forgotten the script).
 */
async function commandsSince(
  redis: Redis,
  last: Map<string, number>,
): Promise<Map<string, number>> {
  const text = (await redis.info('commandstats')) as string;
  const delta = new Map<string, number>();
  for (const [, name, calls] of text.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) {
    const n = Number(calls) - (last.get(name!) ?? 0);
    last.set(name!, Number(calls));
    const label = name === 'eval' || name === 'evalsha' ? 'script' : name!;
    if (n > 0 && label !== 'info') delta.set(label, (delta.get(label) ?? 0) + n);
  }
  return delta;
}

describe('sticky lookups without Redis', { timeout: 60_000 }, () => {
  let server: RedisServer;
  let redis: Redis;
  let database: TestDatabase;
  const prefix = testPrefix('sticky-outage');
  const open: StickyAssignments[] = [];
  let fallbacks: Array<[RoutingFallback, number]> = [];

  async function assignments(
    db = database.db,
    memoryTtlMs = 60_000,
  ): Promise<{ sticky: StickyAssignments; topology: EdgeTopology }> {
    const topology = new EdgeTopology(database.db);
    await topology.refresh();
    const sticky = new StickyAssignments({
      db,
      redis,
      prefix,
      topology,
      memoryTtlMs,
      redisTimeoutMs: 200,
      dbTimeoutMs: 1_000,
      onFallback: (source, n) => fallbacks.push([source, n]),
    });
    open.push(sticky);
    return { sticky, topology };
  }

  before(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    database = await openTestDatabase('sticky-outage');
    await insertPool(database.db, 'p1', 100);
    await insertPool(database.db, 'p2', 100);
    await insertPool(database.db, 'p3', 100);
  });

  after(async () => {
    await Promise.all(open.map((s) => s.close()));
    redis.disconnect();
    await server.stop();
    await database.drop();
  });

  async function redisBack(): Promise<void> {
    if (!server.running) await server.restart();
    for (let i = 0; i < 100 && redis.status !== 'ready'; i++) await delay(50);
    assert.equal(redis.status, 'ready');
  }

  it('answers from Postgres what a healthy system answers, for stored and new vehicles', async () => {
    const stored = await insertVehicles(database.db, 40, 'A');
    const { sticky: healthy } = await assignments();
    // Half of them pinned elsewhere, so the Postgres answer is not the rendezvous one.
    for (const id of stored.slice(0, 20)) await healthy.pin(id, 'p3');
    const unassigned = await insertVehicles(database.db, 20, 'B');
    const expected = await healthy.poolsFor(stored);

    await server.kill();
    fallbacks = [];
    const { sticky, topology } = await assignments();
    const during = await sticky.poolsFor([...stored, ...unassigned, 'NEVERSEEN00000001']);
    for (const id of stored) assert.equal(during.get(id), expected.get(id), id);
    const active = topology.pools().filter((p) => p.state === 'active');
    for (const id of [...unassigned, 'NEVERSEEN00000001'])
      assert.equal(during.get(id), rendezvousPick(id, active)!.id, id);
    assert.deepEqual(fallbacks, [['postgres', 61]]);
    // The pick for a new vehicle is stored in Postgres as usual: Postgres is the truth.
    const { rows } = await database.db.pool.query(
      'SELECT count(*)::int AS n FROM vehicles WHERE id = ANY($1::text[]) AND pool_id IS NOT NULL',
      [unassigned],
    );
    assert.equal(rows[0].n, 20);
    await redisBack();
  });

  it('answers by rendezvous, or by what memory last knew, when Postgres is away too', async () => {
    const vehicles = await insertVehicles(database.db, 10, 'C');
    const { sticky: healthy, topology } = await assignments();
    const active = topology.pools().filter((p) => p.state === 'active');
    // Pinned away from its rendezvous pick, so only memory can know where it belongs.
    const pinned = vehicles[0]!;
    const elsewhere = active.find((p) => p.id !== rendezvousPick(pinned, active)!.id)!.id;
    await healthy.pin(pinned, elsewhere);
    const unreachable = createDb('postgresql://postgres@127.0.0.1:1/none', { poolSize: 1 });
    // Memory entries live 0 ms here: what it knows has expired, and still beats a guess.
    const { sticky } = await assignments(unreachable, 0);
    assert.equal(await sticky.poolFor(pinned), elsewhere);

    await server.kill();
    fallbacks = [];
    const during = await sticky.poolsFor(vehicles);
    assert.equal(during.get(pinned), elsewhere);
    for (const id of vehicles.slice(1))
      assert.equal(during.get(id), rendezvousPick(id, active)!.id);
    assert.deepEqual(fallbacks, [
      ['postgres', 10],
      ['rendezvous', 10],
    ]);
    await unreachable.close();
    await redisBack();
  });

  it('does not wait for a Redis that stopped answering', async () => {
    const vehicles = await insertVehicles(database.db, 5, 'D');
    const { sticky: healthy } = await assignments();
    const expected = await healthy.poolsFor(vehicles);
    const { sticky } = await assignments();
    server.pause();
    try {
      fallbacks = [];
      const during = await sticky.poolsFor(vehicles);
      assert.deepEqual([...during].sort(), [...expected].sort());
      assert.deepEqual(fallbacks, [['postgres', 5]]);
      // Right after a timeout, lookups skip Redis at once instead of each waiting again.
      fallbacks = [];
      const { sticky: next } = await assignments();
      await next.poolsFor(vehicles);
      assert.deepEqual(fallbacks, [['postgres', 5]]);
    } finally {
      server.resume();
    }
  });

  it('keeps a pin made without Redis, and Redis follows once it is back', async () => {
    const [vehicle] = await insertVehicles(database.db, 1, 'E');
    const { sticky: healthy } = await assignments();
    const before = await healthy.poolFor(vehicle!);
    const target = before === 'p1' ? 'p2' : 'p1';
    assert.equal(await redis.get(`${prefix}:assign:${vehicle}`), before);

    await server.kill();
    await healthy.pin(vehicle!, target);
    await server.restart();
    for (let i = 0; i < 100 && redis.status !== 'ready'; i++) await delay(50);
    // Redis came back with the old value: lookups must not believe it until it is replaced.
    const { sticky: other } = await assignments();
    assert.equal(await healthy.poolFor(vehicle!), target);
    for (let i = 0; i < 100 && (await redis.get(`${prefix}:assign:${vehicle}`)) !== target; i++)
      await delay(50);
    assert.equal(await redis.get(`${prefix}:assign:${vehicle}`), target);
    assert.equal(await other.poolFor(vehicle!), target);
  });

  it('looks up a job in one Redis call and writes back only what came from Postgres', async () => {
    const vehicles = await insertVehicles(database.db, 500, 'F');
    const { sticky: cold } = await assignments(database.db, 0);
    const { sticky: warm } = await assignments(database.db, 0);
    await Promise.all([cold.whenReady(), warm.whenReady()]);
    const seen = new Map<string, number>();
    await commandsSince(redis, seen);
    await cold.poolsFor(vehicles);
    assert.deepEqual(
      Object.fromEntries(await commandsSince(redis, seen)),
      // One read, one script that fills the cache (its SETs run inside it).
      { mget: 1, script: 1, set: 500 },
    );
    await warm.poolsFor(vehicles);
    assert.deepEqual(Object.fromEntries(await commandsSince(redis, seen)), { mget: 1 });
  });
});
