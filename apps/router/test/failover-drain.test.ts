import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rankBrokers } from '@roadcast/routing';
import { getTestPki } from '@roadcast/testing';
import { bytes } from './support/bytes.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket } from './support/vehicle.js';

describe('router failover and draining', () => {
  let h: RouterHarness;
  before(async () => {
    h = await startRouterHarness({ brokers: 3 });
  });
  after(() => h.close());

  async function session(vehicleId: string): Promise<RawVehicle> {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(vehicleId), 5);
    raw.sendPacket(connectPacket(vehicleId, 5));
    const connack = await raw.next('connack');
    assert.equal(connack?.cmd === 'connack' && connack.reasonCode, 0);
    return raw;
  }

  async function setState(
    table: 'edge_brokers' | 'edge_pools',
    id: string,
    state: string,
  ): Promise<void> {
    await h.db.pool.query(`UPDATE ${table} SET state = $2::pool_state WHERE id = $1`, [id, state]);
    await h.refreshTopology();
  }

  const ranked = (vehicleId: string) =>
    rankBrokers(vehicleId, h.ctx.topology.pool('pool-a')!).map((b) => b.id);

  it('fails over to the next broker in rank order when the first is down, and keeps it while the first is away', async () => {
    const vehicleId = 'WVWZZZ1JZXW000401';
    const [first, second] = ranked(vehicleId);
    const broker = h.brokers.find((b) => b.id === first)!;
    await broker.stop();
    try {
      const raw = await session(vehicleId);
      assert.equal((await h.presence.get(vehicleId))?.brokerId, second);
      assert.equal(h.ctx.health.isHealthy(first!), false);
      raw.close();
      // The next connect skips the broker that is held down instead of waiting on it.
      const again = await session(vehicleId);
      assert.equal((await h.presence.get(vehicleId))?.brokerId, second);
      again.close();
    } finally {
      await broker.restart();
      h.ctx.health.markUp(first!);
    }
    const back = await session(vehicleId);
    assert.equal((await h.presence.get(vehicleId))?.brokerId, first);
    back.close();
  });

  it('closes the vehicle side when its broker dies, and the reconnect lands on the next broker', async () => {
    const vehicleId = 'WVWZZZ1JZXW000402';
    const [first, second] = ranked(vehicleId);
    const raw = await session(vehicleId);
    const broker = h.brokers.find((b) => b.id === first)!;
    await broker.kill();
    try {
      await raw.waitClosed();
      const again = await session(vehicleId);
      assert.equal((await h.presence.get(vehicleId))?.brokerId, second);
      again.close();
    } finally {
      await broker.restart();
      h.ctx.health.markUp(first!);
    }
  });

  it('tells vehicles on a draining broker to use another server (0x9C), at the drain rate', async () => {
    const vehicles = [
      'WVWZZZ1JZXW000410',
      'WVWZZZ1JZXW000411',
      'WVWZZZ1JZXW000412',
      'WVWZZZ1JZXW000413',
      'WVWZZZ1JZXW000414',
      'WVWZZZ1JZXW000415',
    ];
    const target = ranked(vehicles[0]!)[0]!;
    const onTarget = vehicles.filter((v) => ranked(v)[0] === target);
    const sessions = new Map<string, RawVehicle>();
    for (const v of vehicles) sessions.set(v, await session(v));
    await setState('edge_brokers', target, 'draining');
    try {
      assert.equal(h.drain.sweep(1), 1, 'one per sweep when the limit is 1');
      h.drain.sweep(100);
      for (const v of vehicles) {
        const raw = sessions.get(v)!;
        if (onTarget.includes(v)) {
          await raw.waitClosed();
          assert.deepEqual(
            raw.received.subarray(-4),
            bytes(`
              e0 02 | DISCONNECT, remaining length 2
              9c    | 0x9C use another server
              00    | no properties
            `),
          );
          const again = await session(v);
          assert.equal(
            (await h.presence.get(v))?.brokerId,
            ranked(v)[0],
            'next broker in rank order',
          );
          assert.notEqual(ranked(v)[0], target);
          again.close();
        } else {
          assert.equal(raw.closed, false, `${v} was not on the draining broker`);
          raw.close();
        }
      }
    } finally {
      await setState('edge_brokers', target, 'active');
    }
  });

  it('moves a vehicle of a draining pool to an active pool and stores the move', async () => {
    const vehicleId = 'WVWZZZ1JZXW000420';
    await h.db.pool.query(
      `INSERT INTO vehicles (id, model, region, software_version) VALUES ($1, 'm', 'eu', '1')`,
      [vehicleId],
    );
    // A second pool holding the third broker.
    const moved = h.brokers[2]!;
    await h.db.pool.query(`INSERT INTO edge_pools (id, name) VALUES ('pool-b', 'pool-b')`);
    await h.db.pool.query(`UPDATE edge_brokers SET pool_id = 'pool-b' WHERE id = $1`, [moved.id]);
    await h.ctx.sticky.pin(vehicleId, 'pool-a');
    await h.refreshTopology();
    const raw = await session(vehicleId);
    assert.equal((await h.presence.get(vehicleId))?.poolId, 'pool-a');
    await setState('edge_pools', 'pool-a', 'draining');
    try {
      h.drain.sweep(100);
      await raw.waitClosed();
      const again = await session(vehicleId);
      const presence = await h.presence.get(vehicleId);
      assert.equal(presence?.poolId, 'pool-b');
      assert.equal(presence?.brokerId, moved.id);
      const { rows } = await h.db.pool.query('SELECT pool_id FROM vehicles WHERE id = $1', [
        vehicleId,
      ]);
      assert.equal(rows[0].pool_id, 'pool-b');
      again.close();
    } finally {
      await setState('edge_pools', 'pool-a', 'active');
    }
  });
  it('moves a connected vehicle that an operator moved to another pool', async () => {
    const vehicleId = 'WVWZZZ1JZXW000430';
    await h.db.pool.query(
      `INSERT INTO edge_pools (id, name) VALUES ('pool-b', 'pool-b') ON CONFLICT DO NOTHING`,
    );
    await h.db.pool.query(`UPDATE edge_brokers SET pool_id = 'pool-b' WHERE id = $1`, [
      h.brokers[2]!.id,
    ]);
    await h.refreshTopology();
    await h.db.pool.query(
      `INSERT INTO vehicles (id, model, region, software_version) VALUES ($1, 'm', 'eu', '1')`,
      [vehicleId],
    );
    await h.ctx.sticky.pin(vehicleId, 'pool-a');
    const raw = await session(vehicleId);
    assert.equal((await h.presence.get(vehicleId))?.poolId, 'pool-a');
    h.drain.noteMoved('WVWZZZ1JZXW000431');
    h.drain.noteMoved(vehicleId);
    // Still assigned to pool-a: nothing to do.
    assert.equal(await h.drain.sweepMoved(10), 0);
    assert.equal(raw.closed, false);
    await h.ctx.sticky.move(vehicleId, 'pool-b');
    h.drain.noteMoved(vehicleId);
    assert.equal(await h.drain.sweepMoved(10), 1);
    await raw.waitClosed();
    const again = await session(vehicleId);
    assert.equal((await h.presence.get(vehicleId))?.poolId, 'pool-b');
    again.close();
  });
});
