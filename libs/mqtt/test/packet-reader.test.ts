import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PacketReader, PacketReaderError } from '../src/index.js';
import { bytes } from './bytes.js';

const connectV4 = bytes(`
  10 0e             | CONNECT, remaining length 14
  00 04 4d 51 54 54 | protocol name "MQTT"
  04                | protocol level 4 (3.1.1)
  02                | flags: clean session
  00 3c             | keep alive 60 s
  00 02 61 62       | client id "ab"
`);

const connectV5 = bytes(`
  10 0f             | CONNECT, remaining length 15
  00 04 4d 51 54 54 | protocol name "MQTT"
  05                | protocol level 5
  02                | flags: clean start
  00 3c             | keep alive 60 s
  00                | properties: none
  00 02 61 62       | client id "ab"
`);

const publishV4 = bytes(`
  32 09             | PUBLISH, QoS 1, remaining length 9
  00 03 61 2f 62    | topic "a/b"
  00 01             | packet id 1
  68 69             | payload "hi"
`);

const publishV5 = bytes(`
  32 0a             | PUBLISH, QoS 1, remaining length 10
  00 03 61 2f 62    | topic "a/b"
  00 01             | packet id 1
  00                | properties: none
  68 69             | payload "hi"
`);

const pingreq = bytes(`
  c0 00             | PINGREQ, remaining length 0
`);

describe('PacketReader', () => {
  const sessions: Array<{ name: string; stream: Buffer; cmds: string[]; version: number }> = [
    {
      name: '3.1.1 CONNECT, PUBLISH, PINGREQ',
      stream: Buffer.concat([connectV4, publishV4, pingreq]),
      cmds: ['connect', 'publish', 'pingreq'],
      version: 4,
    },
    {
      name: '5.0 CONNECT then PUBLISH with properties',
      stream: Buffer.concat([connectV5, publishV5]),
      cmds: ['connect', 'publish'],
      version: 5,
    },
  ];

  for (const { name, stream, cmds, version } of sessions) {
    for (const chunkSize of [stream.length, 1, 3, 7]) {
      it(`frames ${name} fed in chunks of ${chunkSize}`, () => {
        const reader = new PacketReader({ maxPacketSize: 1_024 });
        const framed = [];
        for (let i = 0; i < stream.length; i += chunkSize)
          framed.push(...reader.push(stream.subarray(i, i + chunkSize)));
        assert.deepEqual(
          framed.map((f) => f.packet.cmd),
          cmds,
        );
        // The original bytes, back to back, are the stream itself: relaying them is lossless.
        assert.deepEqual(Buffer.concat(framed.map((f) => f.raw)), stream);
        assert.equal(reader.protocolVersion, version);
        assert.equal(reader.pendingBytes, 0);
        const publish = framed[1]!.packet;
        assert.equal(publish.cmd === 'publish' && publish.topic, 'a/b');
      });
    }
  }

  it('refuses an oversized packet from its fixed header, before the body arrives', () => {
    const reader = new PacketReader({ maxPacketSize: 100 });
    reader.push(connectV4);
    const header = bytes(`
      30 ac 02          | PUBLISH QoS 0, remaining length 300 (0xac 0x02 = 44 + 2*128)
      00 01 61          | topic "a", then the body would follow
    `);
    assert.throws(
      () => reader.push(header),
      (err: unknown) =>
        err instanceof PacketReaderError && err.code === 'too-large' && err.size === 303,
    );
    // Unusable afterwards: the connection is closed, not resynchronised.
    assert.throws(() => reader.push(pingreq), PacketReaderError);
  });

  it('refuses an oversized packet that arrives whole in one chunk', () => {
    const reader = new PacketReader({ maxPacketSize: connectV4.length - 1 });
    assert.throws(
      () => reader.push(connectV4),
      (err: unknown) =>
        err instanceof PacketReaderError &&
        err.code === 'too-large' &&
        err.size === connectV4.length,
    );
  });

  it('accepts a packet exactly at the limit', () => {
    const reader = new PacketReader({ maxPacketSize: connectV4.length });
    assert.equal(reader.push(connectV4).length, 1);
  });

  const malformed: Array<[string, Buffer]> = [
    [
      'SUBSCRIBE with reserved flags 0000 instead of 0010 [MQTT-3.8.1-1]',
      bytes(`
        80 06             | SUBSCRIBE with flags 0000
        00 01             | packet id 1
        00 01 61          | filter "a"
        01                | QoS 1
      `),
    ],
    [
      'PUBLISH with both QoS bits set [MQTT-3.3.1-4]',
      bytes(`
        36 05             | PUBLISH, QoS 3
        00 01 61          | topic "a"
        00 01             | packet id 1
      `),
    ],
    [
      'remaining length longer than four bytes',
      bytes(`
        30 ff ff ff ff 01 | PUBLISH, remaining length with a fifth byte
      `),
    ],
  ];
  for (const [name, packet] of malformed) {
    it(`reports a malformed packet: ${name}`, () => {
      const reader = new PacketReader({ maxPacketSize: 1 << 28 });
      reader.push(connectV4);
      assert.throws(
        () => reader.push(packet),
        (err: unknown) => err instanceof PacketReaderError && err.code === 'malformed',
      );
    });
  }

  it('parses server packets in the version it is told', () => {
    const reader = new PacketReader({ maxPacketSize: 1_024, protocolVersion: 5 });
    const connack = bytes(`
      20 03             | CONNACK, remaining length 3
      01                | session present
      00                | reason: success
      00                | properties: none
    `);
    const [framed] = reader.push(connack);
    assert.equal(framed?.packet.cmd, 'connack');
    assert.equal(framed?.packet.cmd === 'connack' && framed.packet.sessionPresent, true);
    assert.equal(framed?.packet.cmd === 'connack' && framed.packet.reasonCode, 0);
  });
});
