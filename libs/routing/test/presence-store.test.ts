import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { PresenceStore, type Presence } from '../src/index.js';
import { deletePrefix, openRedis, testPrefix } from './support.js';

function presence(overrides: Partial<Presence> = {}): Presence {
  return {
    vehicleId: 'WVWZZZ1JZXW000001',
    brokerId: 'b1',
    poolId: 'p1',
    routerId: 'router-a',
    connectionId: 'c1',
    connectedAt: '2026-11-21T10:00:00.000Z',
    sessionPresent: true,
    protocolVersion: 5,
    ...overrides,
  };
}

describe('PresenceStore', () => {
  let redis: Redis;
  let prefix: string;
  let store: PresenceStore;

  before(() => {
    redis = openRedis();
  });
  after(() => redis.disconnect());

  async function fresh(label: string): Promise<void> {
    prefix = testPrefix(label);
    store = new PresenceStore({ redis, prefix });
  }

  async function events(): Promise<Array<Record<string, string>>> {
    const entries = await redis.xrange(`${prefix}:presence-events`, '-', '+');
    return entries.map(([, fields]) => {
      const record: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
      return record;
    });
  }

  it('records, reads back and announces a connection', async (t) => {
    await fresh('record');
    t.after(() => deletePrefix(redis, prefix));
    await store.record(presence());
    assert.deepEqual(await store.get('WVWZZZ1JZXW000001'), presence());
    assert.equal(await store.get('WVWZZZ1JZXW000002'), null);
    assert.deepEqual(await events(), [
      {
        type: 'connect',
        vehicleId: 'WVWZZZ1JZXW000001',
        brokerId: 'b1',
        poolId: 'p1',
        routerId: 'router-a',
        connectionId: 'c1',
        sessionPresent: 'true',
        at: '2026-11-21T10:00:00.000Z',
      },
    ]);
  });

  it('ignores the close of a connection that was already replaced', async (t) => {
    await fresh('guard');
    t.after(() => deletePrefix(redis, prefix));
    await store.record(presence());
    // The vehicle reconnected through another router before the first saw its socket close.
    await store.record(
      presence({
        routerId: 'router-b',
        connectionId: 'c2',
        brokerId: 'b2',
        sessionPresent: false,
        protocolVersion: 4,
      }),
    );
    assert.equal(await store.remove('WVWZZZ1JZXW000001', 'c1'), false);
    assert.equal((await store.get('WVWZZZ1JZXW000001'))?.connectionId, 'c2');
    assert.deepEqual(await store.countByBroker(), { b2: 1 });
    assert.equal(await store.remove('WVWZZZ1JZXW000001', 'c2', 'keepalive-timeout'), true);
    assert.equal(await store.get('WVWZZZ1JZXW000001'), null);
    assert.deepEqual(await store.countByBroker(), {});
    const log = await events();
    assert.deepEqual(
      log.map((e) => `${e.type}:${e.connectionId}`),
      ['connect:c1', 'connect:c2', 'disconnect:c2'],
    );
    assert.equal(log[2]?.reason, 'keepalive-timeout');
    assert.equal(log[2]?.sessionPresent, 'false');
  });

  it('counts vehicles per broker and reads many at once', async (t) => {
    await fresh('count');
    t.after(() => deletePrefix(redis, prefix));
    const ids = Array.from({ length: 30 }, (_, i) => `V${String(i).padStart(16, '0')}`);
    for (const [i, id] of ids.entries()) {
      await store.record(presence({ vehicleId: id, connectionId: `c${i}`, brokerId: `b${i % 3}` }));
    }
    assert.deepEqual(await store.countByBroker(), { b0: 10, b1: 10, b2: 10 });
    const many = await store.getMany([...ids.slice(0, 5), 'NOTCONNECTED00000']);
    assert.deepEqual([...many.keys()], ids.slice(0, 5));
    assert.equal(many.get(ids[4]!)?.brokerId, 'b1');
  });

  it('clears what a router held before it restarted, and only that', async (t) => {
    await fresh('router');
    t.after(() => deletePrefix(redis, prefix));
    await store.record(presence({ vehicleId: 'V1', connectionId: 'a1' }));
    await store.record(presence({ vehicleId: 'V2', connectionId: 'a2' }));
    await store.record(presence({ vehicleId: 'V3', connectionId: 'b3', routerId: 'router-b' }));
    // V2 moved to router-b; router-a's set must not take it along.
    await store.record(presence({ vehicleId: 'V2', connectionId: 'b2', routerId: 'router-b' }));
    assert.equal(await store.removeRouter('router-a'), 1);
    assert.equal(await store.get('V1'), null);
    assert.equal((await store.get('V2'))?.routerId, 'router-b');
    assert.deepEqual((await store.vehiclesOfRouter('router-b')).sort(), ['V2', 'V3']);
    assert.deepEqual(await store.countByBroker(), { b1: 2 });
  });
});
