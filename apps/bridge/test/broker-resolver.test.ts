/**
 * Where notices go, with Redis there and away: a private redis-server the test kills (the
 * shared one is never touched) and real Postgres.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createDb, type Db } from '@roadcast/db';
import {
  EdgeTopology,
  PresenceStore,
  StickyAssignments,
  rankBrokers,
  type RoutingFallback,
} from '@roadcast/routing';
import {
  createTestDatabase,
  startRedisServer,
  type RedisServer,
  type TestDatabase,
} from '@roadcast/testing';
import { BrokerResolver } from '../src/broker-resolver.js';

let server: RedisServer;
let database: TestDatabase;
let db: Db;
let redis: Redis;
let sticky: StickyAssignments;
const prefix = 'resolver';
const counted: Array<[RoutingFallback | 'presence', number]> = [];

before(async () => {
  server = await startRedisServer();
  database = await createTestDatabase({ label: 'bridge_resolver' });
  db = createDb(database.url, { poolSize: 2 });
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  await redis.ping();
});

after(async () => {
  await sticky.close();
  redis.disconnect();
  await db.close();
  await database.drop();
  await server.stop();
});

test('routes by presence, and by the sticky pool from Postgres while Redis is away', async () => {
  await db.pool.query(`INSERT INTO edge_pools (id, name) VALUES ('pool-a', 'pool-a')`);
  await db.pool.query(
    `INSERT INTO edge_brokers (id, pool_id, url) VALUES
       ('edge-1', 'pool-a', 'mqtt://127.0.0.1:1'), ('edge-2', 'pool-a', 'mqtt://127.0.0.1:2')`,
  );
  const vehicles = ['WVWZZZ1JZXW000801', 'WVWZZZ1JZXW000802'];
  await db.pool.query(
    `INSERT INTO vehicles (id, model, region, software_version, pool_id)
     SELECT id, 'm', 'eu', '1.0.0', 'pool-a' FROM unnest($1::text[]) AS id`,
    [vehicles],
  );
  const topology = new EdgeTopology(db);
  await topology.refresh();
  const home = (id: string) => rankBrokers(id, topology.pool('pool-a')!)[0]!.id;
  const away = (id: string) => (home(id) === 'edge-1' ? 'edge-2' : 'edge-1');
  const presence = new PresenceStore({ redis, prefix });
  // The first vehicle failed over: it is connected to the other broker of its pool.
  await presence.record({
    vehicleId: vehicles[0]!,
    brokerId: away(vehicles[0]!),
    poolId: 'pool-a',
    routerId: 'r1',
    connectionId: 'c1',
    connectedAt: new Date().toISOString(),
    sessionPresent: true,
    protocolVersion: 5,
  });
  sticky = new StickyAssignments({
    db,
    redis,
    prefix,
    topology,
    // Nothing from memory: the second lookup has to find Redis gone.
    memoryTtlMs: 0,
    onFallback: (source, n) => counted.push([source, n]),
  });
  const resolver = new BrokerResolver({
    topology,
    presence,
    sticky,
    onPresenceUnavailable: (n) => counted.push(['presence', n]),
  });
  // Without a stored pool every vehicle goes through the sticky lookup.
  const toResolve = vehicles.map((vehicleId) => ({ vehicleId, poolId: null }));
  const ids = (brokers: Array<{ id: string } | undefined>) => brokers.map((b) => b?.id);

  assert.deepEqual(ids(await resolver.resolve(toResolve)), [
    away(vehicles[0]!),
    home(vehicles[1]!),
  ]);
  assert.deepEqual(counted, []);

  await server.kill();
  assert.deepEqual(ids(await resolver.resolve(toResolve)), vehicles.map(home));
  assert.deepEqual(counted, [
    ['presence', 2],
    ['postgres', 2],
  ]);
});
