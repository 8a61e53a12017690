import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';
import { encodePacket, MqttSession } from '../src/index.js';
import { bytes } from './bytes.js';
import { brokersOfThisFile, waitUntil } from './scripted-broker.js';

const broker = brokersOfThisFile();

const publish = (messageId: number): Buffer =>
  encodePacket(
    {
      cmd: 'publish',
      topic: `vehicles/V${messageId}/ota/acks`,
      payload: Buffer.from('{}'),
      qos: 1,
      messageId,
      dup: false,
      retain: false,
    },
    5,
  );

describe('raw MQTT 5 session as a consumer that acknowledges after commit', () => {
  it('resumes a persistent session: clean start off, session expiry and Receive Maximum in CONNECT', async () => {
    const b = await broker((c) =>
      c.onPacket((p) => {
        if (p.cmd === 'connect') c.send({ cmd: 'connack', sessionPresent: true, reasonCode: 0 });
      }),
    );
    const session = await MqttSession.connect(
      {
        url: b.url,
        clientId: 'roadcast-t1-edge-a-0',
        cleanStart: false,
        sessionExpiryInterval: 86_400,
        receiveMaximum: 10,
        maximumPacketSize: 65_536,
      },
      { close: () => undefined },
    );
    const connect = b.connections[0]!.packets[0] as IConnectPacket;
    assert.equal(connect.clean, false);
    assert.deepEqual(connect.properties, {
      sessionExpiryInterval: 86_400,
      receiveMaximum: 10,
      maximumPacketSize: 65_536,
    });
    assert.equal(session.connack.sessionPresent, true);
    session.destroy();
  });

  it('hands over messages queued behind the CONNACK before it resolves, and PUBACKs only when told, in one write', async () => {
    const queued = Buffer.concat([1, 2, 3].map(publish));
    const b = await broker((c) =>
      c.onPacket((p) => {
        if (p.cmd !== 'connect') return;
        c.socket.write(
          Buffer.concat([bytes('20 03 01 00 00 | CONNACK, session present, success'), queued]),
        );
      }),
    );
    const seen: Packet[] = [];
    const session = await MqttSession.connect(
      { url: b.url, clientId: 'c', cleanStart: false, receiveMaximum: 3 },
      { packet: (p) => seen.push(p), close: () => undefined },
    );
    assert.deepEqual(
      seen.map((p) => (p as IPublishPacket).messageId),
      [1, 2, 3],
      'the queued messages, before connect resolved',
    );
    const broker0 = b.connections[0]!;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      broker0.packets.filter((p) => p.cmd === 'puback').length,
      0,
      'no automatic PUBACK',
    );
    const chunksBefore = broker0.chunks;
    session.pubackAll([3, 1, 2]);
    await waitUntil(
      () => broker0.packets.filter((p) => p.cmd === 'puback').length === 3,
      'three PUBACKs',
    );
    assert.equal(broker0.chunks - chunksBefore, 1, 'one write');
    assert.deepEqual(
      broker0.packets.filter((p) => p.cmd === 'puback').map((p) => [p.messageId, p.reasonCode]),
      [
        [3, 0],
        [1, 0],
        [2, 0],
      ],
    );
    session.destroy();
  });
});
