import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';
import { MqttClientError, MqttSession, type MqttSessionHandlers } from '../src/index.js';
import { acceptWith, ScriptedBroker, waitUntil } from './scripted-broker.js';

const brokers: ScriptedBroker[] = [];
after(async () => {
  await Promise.all(brokers.map((b) => b.close()));
});

async function broker(...args: Parameters<typeof ScriptedBroker.start>): Promise<ScriptedBroker> {
  const b = await ScriptedBroker.start(...args);
  brokers.push(b);
  return b;
}

function recorder() {
  const seen = {
    pubacks: [] as Array<[number, number]>,
    packets: [] as Packet[],
    closed: [] as Array<MqttClientError | undefined>,
  };
  const handlers: MqttSessionHandlers = {
    puback: (id, reason) => seen.pubacks.push([id, reason]),
    packet: (p) => seen.packets.push(p),
    close: (err) => seen.closed.push(err),
  };
  return { seen, handlers };
}

describe('raw MQTT 5 session', () => {
  it('connects with MQTT 5, the client id, credentials and limits, and reads the CONNACK', async () => {
    const b = await broker(
      acceptWith({ receiveMaximum: 7, serverKeepAlive: 12, maximumPacketSize: 4096 }),
    );
    const { handlers } = recorder();
    const session = await MqttSession.connect(
      {
        url: b.url,
        clientId: 'bridge-1',
        username: 'bridge',
        password: 's3cret',
        keepaliveSeconds: 30,
        maximumPacketSize: 65_536,
      },
      handlers,
    );
    const connect = b.connections[0]!.packets[0] as IConnectPacket;
    assert.equal(connect.cmd, 'connect');
    assert.equal(connect.protocolVersion, 5);
    assert.equal(connect.clientId, 'bridge-1');
    assert.equal(connect.username, 'bridge');
    assert.equal(connect.password?.toString(), 's3cret');
    assert.equal(connect.keepalive, 30);
    assert.equal(connect.clean, true);
    assert.equal(connect.properties?.maximumPacketSize, 65_536);
    assert.deepEqual(
      { ...session.connack },
      {
        sessionPresent: false,
        receiveMaximum: 7,
        maximumPacketSize: 4096,
        keepaliveSeconds: 12,
        assignedClientIdentifier: undefined,
      },
    );
    await session.end();
    await waitUntil(
      () => b.connections[0]!.packets.some((p) => p.cmd === 'disconnect'),
      'DISCONNECT',
    );
  });

  it('defaults Receive Maximum to 65,535 when the broker does not say', async () => {
    const b = await broker(acceptWith());
    const session = await MqttSession.connect({ url: b.url, clientId: 'c' }, recorder().handlers);
    assert.equal(session.connack.receiveMaximum, 65_535);
    session.destroy();
  });

  it('rejects a refusing CONNACK with its reason code', async () => {
    const b = await broker((c) => c.onPacket(() => c.connack({}, 0x86)));
    await assert.rejects(
      MqttSession.connect(
        { url: b.url, clientId: 'c', username: 'u', password: 'wrong' },
        recorder().handlers,
      ),
      (err: unknown) =>
        err instanceof MqttClientError &&
        err.code === 'ROADCAST_ERR_MQTT_CONNECT_REFUSED' &&
        err.reasonCode === 0x86,
    );
  });

  it('gives up on a broker that never answers CONNECT', async () => {
    const b = await broker(() => undefined);
    await assert.rejects(
      MqttSession.connect(
        { url: b.url, clientId: 'c', connectTimeoutMs: 200 },
        recorder().handlers,
      ),
      (err: unknown) =>
        err instanceof MqttClientError && err.code === 'ROADCAST_ERR_MQTT_CONNECT_TIMEOUT',
    );
  });

  it('rejects a first packet that is not CONNACK', async () => {
    const b = await broker((c) => c.onPacket(() => c.puback(1)));
    await assert.rejects(
      MqttSession.connect({ url: b.url, clientId: 'c' }, recorder().handlers),
      (err: unknown) => err instanceof MqttClientError && err.code === 'ROADCAST_ERR_MQTT_PROTOCOL',
    );
  });

  it('reads PUBACKs split across chunks and glued together, in both forms', async () => {
    const b = await broker(acceptWith());
    const { seen, handlers } = recorder();
    await MqttSession.connect({ url: b.url, clientId: 'c' }, handlers);
    const bytes = Buffer.from([
      ...[0x40, 0x02, 0x00, 0x01], // PUBACK id 1, success in the short form
      ...[0x40, 0x03, 0x00, 0x02, 0x10], // PUBACK id 2, 0x10 no matching subscribers
      ...[0x40, 0x04, 0x01, 0x00, 0x87, 0x00], // PUBACK id 256, 0x87, empty properties
    ]);
    const socket = b.connections[0]!.socket;
    for (const byte of bytes) {
      socket.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    socket.write(Buffer.concat([bytes, bytes]));
    await waitUntil(() => seen.pubacks.length === 9, 'nine PUBACKs');
    assert.deepEqual(seen.pubacks.slice(0, 3), [
      [1, 0x00],
      [2, 0x10],
      [256, 0x87],
    ]);
  });

  it('hands incoming PUBLISH packets to the owner and acknowledges only when told', async () => {
    const b = await broker(acceptWith());
    const { seen, handlers } = recorder();
    const session = await MqttSession.connect({ url: b.url, clientId: 'c' }, handlers);
    const broker0 = b.connections[0]!;
    broker0.send({
      cmd: 'publish',
      topic: 't/1',
      payload: Buffer.from('hi'),
      qos: 1,
      messageId: 42,
      dup: false,
      retain: false,
    });
    await waitUntil(() => seen.packets.length === 1, 'PUBLISH');
    assert.equal((seen.packets[0] as IPublishPacket).topic, 't/1');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      broker0.packets.filter((p) => p.cmd === 'puback').length,
      0,
      'no automatic PUBACK',
    );
    session.puback(42);
    await waitUntil(
      () => broker0.packets.some((p) => p.cmd === 'puback' && p.messageId === 42),
      'PUBACK',
    );
    session.destroy();
  });

  it('drops a broker that announces a packet over the maximum before buffering it', async () => {
    const b = await broker(acceptWith());
    const { seen, handlers } = recorder();
    await MqttSession.connect({ url: b.url, clientId: 'c', maximumPacketSize: 1024 }, handlers);
    const socket = b.connections[0]!.socket;
    // PUBLISH announcing 100 MB, then a trickle of its body.
    socket.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x30]));
    socket.write(Buffer.alloc(512));
    await waitUntil(() => seen.closed.length === 1, 'close');
    assert.equal(seen.closed[0]?.code, 'ROADCAST_ERR_MQTT_PROTOCOL');
    assert.match(seen.closed[0]!.message, /over the 1024/);
  });

  it('drops a broker that sends a malformed remaining length or a PUBACK without a packet id', async () => {
    for (const bytes of [
      [0x30, 0xff, 0xff, 0xff, 0xff, 0x7f], // five length bytes (section 1.5.5 allows four)
      [0x40, 0x01, 0x00], // PUBACK one byte long
    ]) {
      const b = await broker(acceptWith());
      const { seen, handlers } = recorder();
      await MqttSession.connect({ url: b.url, clientId: 'c' }, handlers);
      b.connections[0]!.socket.write(Buffer.from(bytes));
      await waitUntil(() => seen.closed.length === 1, 'close');
      assert.equal(seen.closed[0]?.code, 'ROADCAST_ERR_MQTT_PROTOCOL');
      assert.equal(seen.pubacks.length, 0);
    }
  });

  it('pings an idle broker within its keepalive and drops one that stops answering', async () => {
    let answering = true;
    const b = await broker((c) =>
      c.onPacket((p) => {
        if (p.cmd === 'connect') c.connack({ serverKeepAlive: 1 });
        if (p.cmd === 'pingreq' && answering) c.send({ cmd: 'pingresp' });
      }),
    );
    const { seen, handlers } = recorder();
    const session = await MqttSession.connect(
      { url: b.url, clientId: 'c', keepaliveSeconds: 60 },
      handlers,
    );
    assert.equal(session.connack.keepaliveSeconds, 1, "the broker's Server Keep Alive wins");
    await waitUntil(
      () => b.connections[0]!.packets.filter((p) => p.cmd === 'pingreq').length >= 2,
      'two PINGREQs',
    );
    assert.equal(seen.closed.length, 0);
    answering = false;
    await waitUntil(() => seen.closed.length === 1, 'keepalive failure');
    assert.equal(seen.closed[0]?.code, 'ROADCAST_ERR_MQTT_KEEPALIVE');
  });

  it('reports a DISCONNECT from the broker with its reason code', async () => {
    const b = await broker(acceptWith());
    const { seen, handlers } = recorder();
    await MqttSession.connect({ url: b.url, clientId: 'c' }, handlers);
    b.connections[0]!.send({ cmd: 'disconnect', reasonCode: 0x8b });
    await waitUntil(() => seen.closed.length === 1, 'close');
    assert.equal(seen.closed[0]?.reasonCode, 0x8b);
  });
});
