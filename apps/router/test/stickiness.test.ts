import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EdgeTopology, StickyAssignments, rankBrokers } from '@roadcast/routing';
import { getTestPki } from '@roadcast/testing';
import { VehicleRouter } from '../src/router.js';
import { readTlsFiles } from '../src/tls-files.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket } from './support/vehicle.js';

const FLEET = Array.from({ length: 1_000 }, (_, i) => `WVWZZZ1JZYW${String(i).padStart(6, '0')}`);

describe('router stickiness', () => {
  let h: RouterHarness;
  before(async () => {
    // pool-a holds two brokers, pool-b the third: the pool and the broker both have to agree.
    h = await startRouterHarness({ brokers: 3 });
    await h.db.pool.query(`INSERT INTO edge_pools (id, name) VALUES ('pool-b', 'pool-b')`);
    await h.db.pool.query(`UPDATE edge_brokers SET pool_id = 'pool-b' WHERE id = $1`, [
      h.brokers[2]!.id,
    ]);
    await h.db.pool.query(
      `INSERT INTO vehicles (id, model, region, software_version)
       SELECT unnest($1::text[]), 'm', 'eu', '1'`,
      [FLEET],
    );
    await h.refreshTopology();
  });
  after(() => h.close());

  /** What a router process builds at start: its own topology snapshot and assignment cache. */
  async function routingInstance() {
    const topology = new EdgeTopology(h.db);
    await topology.refresh();
    const sticky = new StickyAssignments({ db: h.db, redis: h.redis, prefix: h.prefix, topology });
    return {
      async brokers(ids: string[]): Promise<Map<string, string>> {
        const pools = await sticky.poolsFor(ids);
        return new Map(
          ids.map((id) => [id, rankBrokers(id, topology.pool(pools.get(id)!)!)[0]!.id]),
        );
      },
      close: () => sticky.close(),
    };
  }

  async function session(vehicleId: string): Promise<RawVehicle> {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(vehicleId), 5);
    raw.sendPacket(connectPacket(vehicleId, 5, { clean: true, properties: {} }));
    const connack = await raw.next('connack');
    assert.equal(connack?.cmd === 'connack' && connack.reasonCode, 0);
    return raw;
  }

  let chosen: Map<string, string>;

  it('two instances resolving the same 1,000 vehicles at once choose the same broker for each', async () => {
    const [a, b] = [await routingInstance(), await routingInstance()];
    try {
      const [fromA, fromB] = await Promise.all([a.brokers(FLEET), b.brokers(FLEET)]);
      assert.deepEqual(fromB, fromA);
      chosen = fromA;
      // Every broker of both pools takes a share, so agreement is not a single answer.
      const counts = new Map<string, number>();
      for (const brokerId of chosen.values()) counts.set(brokerId, (counts.get(brokerId) ?? 0) + 1);
      assert.deepEqual([...counts.keys()].sort(), h.brokers.map((x) => x.id).sort());
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('an instance started afresh, as after a restart, chooses the same brokers', async () => {
    assert.ok(chosen, 'the fleet was resolved');
    const { rows } = await h.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM vehicles WHERE id = ANY($1::text[]) AND pool_id IS NOT NULL`,
      [FLEET],
    );
    assert.equal(rows[0]!.n, FLEET.length, 'the pool of every vehicle is stored');
    const c = await routingInstance();
    try {
      assert.deepEqual(await c.brokers(FLEET), chosen);
    } finally {
      await c.close();
    }
  });

  it('the running router sends vehicles to the broker the other instances chose', async () => {
    const pick = (brokerId: string) => FLEET.find((id) => chosen.get(id) === brokerId)!;
    for (const broker of h.brokers) {
      const vehicleId = pick(broker.id);
      const raw = await session(vehicleId);
      assert.equal((await h.presence.get(vehicleId))?.brokerId, broker.id);
      raw.close();
    }
  });

  it('a second router sharing Postgres and Redis sends vehicles to the same brokers', async () => {
    const topology = new EdgeTopology(h.db);
    await topology.refresh();
    const sticky = new StickyAssignments({ db: h.db, redis: h.redis, prefix: h.prefix, topology });
    const pki = getTestPki();
    const second = new VehicleRouter(
      { ...h.ctx, routerId: 'router-test-2', topology, sticky },
      {
        tls: {
          host: '127.0.0.1',
          port: 0,
          secure: await readTlsFiles({
            caFile: pki.caFile,
            certFile: pki.routerCertFile,
            keyFile: pki.routerKeyFile,
            crlFile: pki.crlFile,
          }),
        },
      },
    );
    await second.start();
    try {
      // Ten vehicles per broker, none of them connected before.
      for (const broker of h.brokers) {
        const vehicles = FLEET.filter((id) => chosen.get(id) === broker.id).slice(1, 11);
        for (const vehicleId of vehicles) {
          const raw = await RawVehicle.open(second.ports.tls!, pki.vehicle(vehicleId), 5);
          raw.sendPacket(connectPacket(vehicleId, 5, { clean: true, properties: {} }));
          const connack = await raw.next('connack');
          assert.equal(connack?.cmd === 'connack' && connack.reasonCode, 0);
          const presence = await h.presence.get(vehicleId);
          assert.equal(presence?.routerId, 'router-test-2');
          assert.equal(presence?.brokerId, broker.id, vehicleId);
          raw.close();
          await raw.waitClosed();
        }
      }
    } finally {
      await second.stop(1_000);
      await sticky.close();
    }
  });

  it("with a broker stopped its vehicles land on its pool's other broker, and return once it is back", async () => {
    const [first, other] = h.ctx.topology.pool('pool-a')!.brokers.map((b) => b.id);
    const vehicles = FLEET.filter((id) => chosen.get(id) === first).slice(0, 3);
    const broker = h.brokers.find((b) => b.id === first)!;
    await broker.stop();
    try {
      for (const vehicleId of vehicles) {
        const raw = await session(vehicleId);
        const presence = await h.presence.get(vehicleId);
        assert.equal(presence?.poolId, 'pool-a');
        assert.equal(presence?.brokerId, other);
        raw.close();
      }
    } finally {
      await broker.restart();
    }
    // No operator action: once the hold-down on the failed broker lapses, new connections go back.
    for (const vehicleId of vehicles) {
      let brokerId: string | undefined;
      for (let i = 0; i < 150 && brokerId !== first; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        const raw = await session(vehicleId);
        brokerId = (await h.presence.get(vehicleId))?.brokerId;
        raw.close();
        await raw.waitClosed();
      }
      assert.equal(brokerId, first);
    }
  });
});
