/**
 * Presence writes while Redis is away: a private redis-server that the test kills and
 * restarts; the shared one is never touched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '@roadcast/testing';
import { PresenceStore, PresenceWriter, type Presence } from '../src/index.js';
import { testPrefix } from './support.js';

function presence(vehicleId: string, connectionId: string, brokerId = 'b1'): Presence {
  return {
    vehicleId,
    brokerId,
    poolId: 'p1',
    routerId: 'router-a',
    connectionId,
    connectedAt: new Date().toISOString(),
    sessionPresent: false,
    protocolVersion: 5,
  };
}

describe('PresenceWriter', { timeout: 60_000 }, () => {
  let server: RedisServer;
  let redis: Redis;

  before(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    await redis.ping();
  });
  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  function writer(prefix: string, options: { maxQueued?: number } = {}) {
    const store = new PresenceStore({ redis, prefix });
    const counts = { queued: 0, replayed: 0, dropped: 0 };
    const w = new PresenceWriter({
      store,
      routerId: 'router-a',
      retryMs: 100,
      isConnected: () => redis.status === 'ready',
      onQueued: (n) => (counts.queued = n),
      onReplayed: (n) => (counts.replayed += n),
      onDropped: (n) => (counts.dropped += n),
      ...options,
    });
    return { store, writer: w, counts };
  }

  async function outage(during: () => Promise<void>): Promise<void> {
    // Generous bounds: on a loaded machine the client may notice the change late.
    await server.kill();
    for (let i = 0; i < 500 && redis.status === 'ready'; i++) await delay(20);
    assert.notEqual(redis.status, 'ready', 'the client noticed the outage');
    await during();
    await server.restart();
    for (let i = 0; i < 500 && redis.status !== 'ready'; i++) await delay(20);
  }

  async function drained(w: PresenceWriter): Promise<void> {
    for (let i = 0; i < 200 && w.queued > 0; i++) await delay(50);
    assert.equal(w.queued, 0);
  }

  async function events(prefix: string): Promise<string[]> {
    const entries = await redis.xrange(`${prefix}:presence-events`, '-', '+');
    return entries.map(([, f]) => `${f[1]} ${f[3]} ${f[11]}`);
  }

  it('keeps the latest state of each vehicle while Redis is away and writes it once back', async () => {
    const prefix = testPrefix('presence-writer');
    const { store, writer: w, counts } = writer(prefix);
    await w.record(presence('VEHICLE0000000001', 'c0'));
    await w.record(presence('VEHICLE0000000002', 'c0'));
    await drained(w);
    const replayedBefore = counts.replayed;
    await outage(async () => {
      // Every call resolves: no session waits on Redis or fails because of it.
      assert.equal(await w.record(presence('VEHICLE0000000001', 'c1', 'b2')), true);
      assert.equal(await w.remove('VEHICLE0000000001', 'c0'), false, 'an older connection');
      assert.equal(await w.remove('VEHICLE0000000002', 'c0'), true);
      await w.record(presence('VEHICLE0000000003', 'c1'));
      await w.remove('VEHICLE0000000003', 'c1');
      await w.record(presence('VEHICLE0000000004', 'c1'));
      assert.equal(w.queued, 4);
      assert.equal(counts.queued, 4);
    });
    await drained(w);
    assert.equal(counts.replayed - replayedBefore, 4);
    assert.equal((await store.get('VEHICLE0000000001'))?.brokerId, 'b2');
    assert.equal(await store.get('VEHICLE0000000002'), null);
    assert.equal(await store.get('VEHICLE0000000003'), null);
    assert.equal((await store.get('VEHICLE0000000004'))?.connectionId, 'c1');
    assert.deepEqual(await store.countByBroker(), { b1: 1, b2: 1 });
    assert.deepEqual(
      Object.fromEntries(await store.brokersOf(['VEHICLE0000000001', 'VEHICLE0000000004'])),
      { VEHICLE0000000001: 'b2', VEHICLE0000000004: 'b1' },
    );
    // The tracker sees the reconnects that happened during the outage.
    assert.deepEqual((await events(prefix)).slice(2), [
      'connect VEHICLE0000000001 c1',
      'disconnect VEHICLE0000000002 c0',
      'connect VEHICLE0000000004 c1',
    ]);
    await w.close();
  });

  it('runs a clean-up of the router first, then what came after it', async () => {
    const prefix = testPrefix('presence-clear');
    const { store, writer: w } = writer(prefix);
    await w.record(presence('VEHICLE0000000011', 'c0'));
    await outage(async () => {
      assert.equal(await w.clearRouter('router-restarted'), 0);
      await w.record(presence('VEHICLE0000000012', 'c1'));
    });
    await drained(w);
    assert.equal(await store.get('VEHICLE0000000011'), null);
    assert.equal((await store.get('VEHICLE0000000012'))?.connectionId, 'c1');
    assert.deepEqual(await store.vehiclesOfRouter('router-a'), ['VEHICLE0000000012']);
    await w.close();
  });

  it('holds at most its limit of vehicles, dropping the oldest and counting them', async () => {
    const prefix = testPrefix('presence-bounded');
    const { store, writer: w, counts } = writer(prefix, { maxQueued: 3 });
    await outage(async () => {
      for (let i = 1; i <= 5; i++) await w.record(presence(`VEHICLE000000010${i}`, 'c1'));
      assert.equal(w.queued, 3);
      assert.equal(counts.dropped, 2);
    });
    await drained(w);
    assert.deepEqual((await store.vehiclesOfRouter('router-a')).sort(), [
      'VEHICLE0000000103',
      'VEHICLE0000000104',
      'VEHICLE0000000105',
    ]);
    await w.close();
  });
});
