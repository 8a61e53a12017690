import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { rankBrokers } from '@roadcast/routing';
import { getTestPki } from '@roadcast/testing';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket, connectVehicle } from './support/vehicle.js';

const VIN = 'WVWZZZ1JZXW000101';

describe('router relay', () => {
  let h: RouterHarness;

  before(async () => {
    h = await startRouterHarness({ brokers: 2 });
  });
  after(() => h.close());

  function brokerFor(vehicleId: string) {
    const pool = h.ctx.topology.pool('pool-a')!;
    const id = rankBrokers(vehicleId, pool)[0]!.id;
    return h.brokers.find((b) => b.id === id)!;
  }

  for (const protocolVersion of [5, 4] as const) {
    it(`relays a ${protocolVersion === 5 ? '5.0' : '3.1.1'} vehicle to its sticky broker, both ways, and records presence`, async () => {
      const vehicleId = protocolVersion === 5 ? VIN : 'WVWZZZ1JZXW000104';
      const cert = getTestPki().vehicle(vehicleId);
      const broker = brokerFor(vehicleId);
      // A backend client straight on the broker the vehicle must land on.
      const backend = await mqtt.connectAsync(broker.url, {
        protocolVersion: 5,
        clientId: `backend-${protocolVersion}`,
        ...broker.credentials('observer'),
      });
      await backend.subscribeAsync(`vehicles/${vehicleId}/ota/acks`, { qos: 1 });
      const vehicle = await connectVehicle(h.tlsPort, cert, { protocolVersion });
      await vehicle.subscribeAsync(`vehicles/${vehicleId}/ota/notices`, { qos: 1 });

      const notice = new Promise<string>((resolve) =>
        vehicle.once('message', (_t, payload) => resolve(payload.toString())),
      );
      await backend.publishAsync(`vehicles/${vehicleId}/ota/notices`, 'notice-1', { qos: 1 });
      assert.equal(await notice, 'notice-1');

      const ack = new Promise<string>((resolve) =>
        backend.once('message', (_t, payload) => resolve(payload.toString())),
      );
      await vehicle.publishAsync(`vehicles/${vehicleId}/ota/acks`, '{"state":"received"}', {
        qos: 1,
      });
      assert.equal(await ack, '{"state":"received"}');

      const presence = await h.presence.get(vehicleId);
      assert.equal(presence?.brokerId, broker.id);
      assert.equal(presence?.poolId, 'pool-a');
      assert.equal(presence?.routerId, 'router-test');
      assert.equal(presence?.protocolVersion, protocolVersion);
      assert.equal(
        (await h.db.pool.query('SELECT pool_id FROM vehicles WHERE id = $1', [vehicleId])).rowCount,
        0,
      );

      await vehicle.endAsync();
      for (let i = 0; i < 100 && (await h.presence.get(vehicleId)); i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(await h.presence.get(vehicleId), null);
      await backend.endAsync();
    });
  }

  it('keeps the session on the broker: notices sent while away arrive on reconnect', async () => {
    const vehicleId = 'WVWZZZ1JZXW000102';
    const cert = getTestPki().vehicle(vehicleId);
    const first = await connectVehicle(h.tlsPort, cert);
    await first.subscribeAsync(`vehicles/${vehicleId}/ota/notices`, { qos: 1 });
    await first.endAsync();

    const broker = brokerFor(vehicleId);
    const backend = await mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      ...broker.credentials('bridge'),
    });
    const puback = await backend.publishAsync(`vehicles/${vehicleId}/ota/notices`, 'while-away', {
      qos: 1,
    });
    // 0x00: a session held it; the bridge records "published", not "parked".
    assert.equal((puback as { reasonCode?: number } | undefined)?.reasonCode ?? 0, 0);
    await backend.endAsync();

    const messages: string[] = [];
    const again = await connectVehicle(h.tlsPort, cert, {}, (_t, payload) =>
      messages.push(payload.toString()),
    );
    for (let i = 0; i < 100 && messages.length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(messages, ['while-away']);
    await again.endAsync();
  });

  it('gives a 5.0 vehicle with an empty client id its certified id and the packet size limit', async () => {
    const vehicleId = 'WVWZZZ1JZXW000103';
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(vehicleId));
    raw.sendPacket(connectPacket('', 5, { clean: true }));
    const connack = await raw.next('connack');
    assert.equal(connack?.cmd, 'connack');
    assert.equal(connack.cmd === 'connack' && connack.reasonCode, 0);
    assert.equal(
      connack.cmd === 'connack' && connack.properties?.assignedClientIdentifier,
      vehicleId,
    );
    assert.equal(connack.cmd === 'connack' && connack.properties?.maximumPacketSize, 262_144);
    assert.equal((await h.presence.get(vehicleId))?.vehicleId, vehicleId);
    raw.close();
  });
  it('lets a second connection of the same vehicle take over: the first is closed, presence follows the second', async () => {
    const vehicleId = 'WVWZZZ1JZXW000105';
    const cert = getTestPki().vehicle(vehicleId);
    const first = await RawVehicle.open(h.tlsPort, cert);
    first.sendPacket(connectPacket(vehicleId, 5));
    await first.next('connack');
    const firstPresence = await h.presence.get(vehicleId);
    const second = await RawVehicle.open(h.tlsPort, cert);
    second.sendPacket(connectPacket(vehicleId, 5));
    const connack = await second.next('connack');
    assert.equal(connack?.cmd === 'connack' && connack.sessionPresent, true);
    // Mosquitto 2.0 closes the taken-over connection without a DISCONNECT; the router closes
    // the vehicle side with it.
    await first.waitClosed();
    // The first connection's close must not erase the second's presence.
    await new Promise((r) => setTimeout(r, 200));
    const presence = await h.presence.get(vehicleId);
    assert.ok(presence && firstPresence);
    assert.notEqual(presence.connectionId, firstPresence.connectionId);
    second.close();
  });
});
