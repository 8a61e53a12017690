import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { rankBrokers } from '@roadcast/routing';
import { getTestPki } from '@roadcast/testing';
import { bytes } from './support/bytes.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket } from './support/vehicle.js';

const OTHER = 'WVWZZZ1JZXW000399';

describe('router policy on a relayed session', () => {
  let h: RouterHarness;
  before(async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        network: { authFailureBan: { banSeconds: 0 } },
        // One vehicle may send larger packets than the rest of the fleet.
        protocol: { maxPacketSize: 1024, vehicleMaxPacketSize: { WVWZZZ1JZXW000335: 4096 } },
      },
    });
  });
  after(() => h.close());

  async function session(vehicleId: string, version: 4 | 5): Promise<RawVehicle> {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(vehicleId), version);
    raw.sendPacket(connectPacket(vehicleId, version), version);
    const connack = await raw.next('connack');
    assert.equal(connack?.cmd === 'connack' && (connack.reasonCode ?? connack.returnCode), 0);
    raw.received = Buffer.alloc(0);
    return raw;
  }

  const subscribes: Array<{
    name: string;
    version: 4 | 5;
    filters: (id: string) => string[];
    expected: Buffer;
  }> = [
    {
      name: "5.0: another vehicle's topics",
      version: 5,
      filters: () => [`vehicles/${OTHER}/ota/notices`],
      expected: bytes(`
        90 04 | SUBACK, remaining length 4
        00 07 | packet id 7
        00    | no properties
        87    | 0x87 not authorized
      `),
    },
    {
      name: "3.1.1: every vehicle's topics",
      version: 4,
      filters: () => ['vehicles/+/ota/notices'],
      expected: bytes(`
        90 03 | SUBACK, remaining length 3
        00 07 | packet id 7
        80    | failure [MQTT-3.9.3-2]
      `),
    },
    {
      name: '5.0: a shared subscription',
      version: 5,
      filters: (id) => [`$share/g/vehicles/${id}/#`],
      expected: bytes(`
        90 04 | SUBACK, remaining length 4
        00 07 | packet id 7
        00    | no properties
        9e    | 0x9E shared subscriptions not supported
      `),
    },
    {
      name: "5.0: its own notices and another vehicle's, in one SUBSCRIBE",
      version: 5,
      filters: (id) => [
        `vehicles/${id}/ota/notices`,
        `vehicles/${OTHER}/ota/notices`,
        `vehicles/${id}/status`,
      ],
      expected: bytes(`
        90 06 | SUBACK, remaining length 6
        00 07 | packet id 7
        00    | no properties
        01    | granted QoS 1 by the broker
        87    | 0x87 not authorized by the router
        01    | granted QoS 1 by the broker
      `),
    },
  ];
  subscribes.forEach((c, i) => {
    it(`answers SUBSCRIBE to ${c.name}`, async () => {
      const vehicleId = `WVWZZZ1JZXW0003${String(10 + i)}`;
      const raw = await session(vehicleId, c.version);
      raw.sendPacket(
        {
          cmd: 'subscribe',
          messageId: 7,
          subscriptions: c.filters(vehicleId).map((topic) => ({ topic, qos: 1 })),
        },
        c.version,
      );
      await raw.next('suback');
      assert.deepEqual(raw.received, c.expected);
      raw.close();
    });
  });

  it("never delivers another vehicle's notices after a refused subscription", async () => {
    const vehicleId = 'WVWZZZ1JZXW000320';
    const raw = await session(vehicleId, 5);
    raw.sendPacket({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: 'vehicles/#', qos: 1 }],
    });
    await raw.next('suback');
    const broker = h.brokers.find(
      (b) => b.id === rankBrokers(vehicleId, h.ctx.topology.pool('pool-a')!)[0]!.id,
    )!;
    const backend = await mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      ...broker.credentials('bridge'),
    });
    await backend.publishAsync(`vehicles/${OTHER}/ota/notices`, 'not-for-you', { qos: 1 });
    await backend.endAsync();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(raw.packets.filter((p) => p.cmd === 'publish').length, 0);
    raw.close();
  });

  it('refuses a 5.0 QoS 1 PUBLISH to a foreign topic with PUBACK 0x87 and keeps the session', async () => {
    const vehicleId = 'WVWZZZ1JZXW000330';
    const raw = await session(vehicleId, 5);
    raw.sendPacket({
      cmd: 'publish',
      topic: `vehicles/${OTHER}/ota/acks`,
      payload: Buffer.from('x'),
      qos: 1,
      messageId: 9,
      retain: false,
      dup: false,
    });
    await raw.next('puback');
    assert.deepEqual(
      raw.received,
      bytes(`
        40 04 | PUBACK, remaining length 4
        00 09 | packet id 9
        87    | 0x87 not authorized
        00    | no properties
      `),
    );
    raw.sendPacket({ cmd: 'pingreq' });
    assert.equal((await raw.next('pingresp'))?.cmd, 'pingresp');
    raw.close();
  });

  it('closes a 3.1.1 session that publishes to a foreign topic (3.1.1 cannot refuse one message)', async () => {
    const raw = await session('WVWZZZ1JZXW000331', 4);
    raw.sendPacket(
      {
        cmd: 'publish',
        topic: `vehicles/${OTHER}/ota/acks`,
        payload: Buffer.from('x'),
        qos: 1,
        messageId: 9,
        retain: false,
        dup: false,
      },
      4,
    );
    await raw.waitClosed();
    assert.equal(raw.received.length, 0);
  });

  it('ends a 5.0 session that publishes with a wildcard: DISCONNECT 0x90 [MQTT-3.3.2-2]', async () => {
    const raw = await session('WVWZZZ1JZXW000332', 5);
    raw.send(
      bytes(`
      30 0a                         | PUBLISH QoS 0, remaining length 10
      00 07 76 65 68 2f 2b 2f 61    | topic "veh/+/a"
      00                            | no properties
    `),
    );
    await raw.waitClosed();
    assert.deepEqual(
      raw.received,
      bytes(`
        e0 02 | DISCONNECT, remaining length 2
        90    | 0x90 topic name invalid
        00    | no properties
      `),
    );
  });

  it('waits for the body of a packet within the limit', async () => {
    const raw = await session('WVWZZZ1JZXW000333', 5);
    raw.send(
      bytes(`
      32 e8 07      | PUBLISH QoS 1, remaining length 1000 (0xe8 0x07): 1003 bytes in all, within 1024
    `),
    );
    raw.send(Buffer.alloc(100));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(raw.closed, false);
    assert.equal(raw.received.length, 0);
    raw.close();
  });

  it('ends a 5.0 session whose packet header announces more than the limit: DISCONNECT 0x95', async () => {
    const raw = await session('WVWZZZ1JZXW000334', 5);
    raw.send(
      bytes(`
      32 88 08      | PUBLISH QoS 1, remaining length 1032 (0x88 0x08): 1035 bytes in all, over 1024
    `),
    );
    await raw.waitClosed();
    assert.deepEqual(
      raw.received,
      bytes(`
        e0 02 | DISCONNECT, remaining length 2
        95    | 0x95 packet too large
        00    | no properties
      `),
    );
    assert.ok(
      h.logs.some((l) => l.refusal === 'packet-too-large' && l.vehicleId === 'WVWZZZ1JZXW000334'),
    );
  });
  it('applies a per-vehicle packet size override', async () => {
    const raw = await session('WVWZZZ1JZXW000335', 5);
    raw.send(
      bytes(`
      30 88 08      | PUBLISH QoS 0, remaining length 1032: over the fleet limit, within this vehicle's 4096
    `),
    );
    raw.send(Buffer.alloc(100));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(raw.closed, false);
    raw.close();
  });
});
