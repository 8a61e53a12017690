/**
 * Redis away for ten seconds: vehicles the router has never seen still connect and relay,
 * and presence catches up when Redis is back. The router's Redis is a private redis-server
 * this test kills; Postgres and the brokers are real.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import mqtt from 'mqtt';
import { rankBrokers } from '@roadcast/routing';
import { getTestPki, startRedisServer, type RedisServer } from '@roadcast/testing';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { connectVehicle } from './support/vehicle.js';

const KNOWN = 'WVWZZZ1JZXW000701';
const NEVER_SEEN = 'WVWZZZ1JZXW000702';

describe('router while Redis is away', { timeout: 90_000 }, () => {
  let server: RedisServer;
  let h: RouterHarness;

  before(async () => {
    server = await startRedisServer();
    h = await startRouterHarness({ brokers: 2, redisUrl: server.url });
    // Registered with its pool, as Postgres knows it; the router has not met it yet.
    await h.db.pool.query(
      `INSERT INTO vehicles (id, model, region, software_version, pool_id)
       VALUES ($1, 'model-x', 'eu', '1.0.0', 'pool-a')`,
      [KNOWN],
    );
    // The router's start-up clean-up of its old records is done before Redis goes away.
    await presenceWritten('nothing waits for Redis before the outage');
  });
  after(async () => {
    if (!server.running) await server.restart();
    await h.close();
    await server.stop();
  });

  /** Waits up to ten seconds for every queued presence change to reach Redis. */
  async function presenceWritten(what: string): Promise<void> {
    for (let i = 0; i < 200 && h.ctx.presence.queued > 0; i++) await delay(50);
    assert.equal(h.ctx.presence.queued, 0, what);
  }

  /** Connects through the router, gets a notice from its broker and sends an ack back. */
  async function relays(vehicleId: string): Promise<void> {
    const pool = h.ctx.topology.pool('pool-a')!;
    const broker = h.brokers.find((b) => b.id === rankBrokers(vehicleId, pool)[0]!.id)!;
    const backend = await mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      ...broker.credentials('observer'),
    });
    await backend.subscribeAsync(`vehicles/${vehicleId}/ota/acks`, { qos: 1 });
    const vehicle = await connectVehicle(h.tlsPort, getTestPki().vehicle(vehicleId));
    await vehicle.subscribeAsync(`vehicles/${vehicleId}/ota/notices`, { qos: 1 });
    const notice = new Promise<string>((resolve) =>
      vehicle.once('message', (_t, payload) => resolve(payload.toString())),
    );
    await backend.publishAsync(`vehicles/${vehicleId}/ota/notices`, 'during-outage', { qos: 1 });
    assert.equal(await notice, 'during-outage');
    const ack = new Promise<string>((resolve) =>
      backend.once('message', (_t, payload) => resolve(payload.toString())),
    );
    await vehicle.publishAsync(`vehicles/${vehicleId}/ota/acks`, '{"state":"received"}', {
      qos: 1,
    });
    assert.equal(await ack, '{"state":"received"}');
    await backend.endAsync();
  }

  it('connects known and never-seen vehicles, then records their presence when Redis is back', async () => {
    await server.kill();
    const outageEnds = Date.now() + 10_000;
    await relays(KNOWN);
    await relays(NEVER_SEEN);
    assert.equal(h.ctx.presence.queued, 2);
    const fallbacks = await h.ctx.metrics.routingFallbacks.get();
    assert.equal(fallbacks.values.find((v) => v.labels.source === 'postgres')?.value, 2);

    await delay(Math.max(0, outageEnds - Date.now()));
    await server.restart();
    await presenceWritten('presence queued during the outage is written');
    for (const vehicleId of [KNOWN, NEVER_SEEN]) {
      const presence = await h.presence.get(vehicleId);
      assert.equal(presence?.routerId, 'router-test', vehicleId);
      assert.equal(presence?.poolId, 'pool-a');
    }
    const events = await h.redis.xrange(`${h.prefix}:presence-events`, '-', '+');
    assert.deepEqual(
      events.map(([, f]) => `${f[1]} ${f[3]}`),
      [`connect ${KNOWN}`, `connect ${NEVER_SEEN}`],
      'the tracker learns of both reconnects',
    );
  });
});
