import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PacketFramer,
  PacketReaderError,
  PacketType,
  connectProtocolLevel,
  isPlainAcknowledgement,
  readPublishHeader,
} from '../src/index.js';
import { bytes } from './bytes.js';

const publishV5 = bytes(`
  32 0c             | PUBLISH QoS 1, remaining length 12
  00 03 61 2f 62    | topic "a/b"
  00 07             | packet id 7
  00                | no properties
  7b 7d 0a 0a       | payload
`);
const publishWithAlias = bytes(`
  30 09             | PUBLISH QoS 0, remaining length 9
  00 03 61 2f 62    | topic "a/b"
  03 23 00 01       | properties: topic alias 1
`);
const puback = bytes(`
  40 02 00 07       | PUBACK, packet id 7
`);
const pingreq = bytes(`
  c0 00             | PINGREQ
`);

describe('PacketFramer', () => {
  const stream = Buffer.concat([publishV5, puback, pingreq, publishWithAlias]);
  for (const chunkSize of [stream.length, 1, 2, 5, 13]) {
    it(`frames packets fed in chunks of ${chunkSize}, without decoding them`, () => {
      const framer = new PacketFramer(1_024);
      const packets = [];
      for (let i = 0; i < stream.length; i += chunkSize)
        packets.push(...framer.push(stream.subarray(i, i + chunkSize)));
      assert.deepEqual(
        packets.map((p) => p.type),
        [PacketType.publish, PacketType.puback, PacketType.pingreq, PacketType.publish],
      );
      assert.deepEqual(Buffer.concat(packets.map((p) => p.raw)), stream);
      assert.deepEqual(
        packets.map((p) => p.bodyOffset),
        [2, 2, 2, 2],
      );
      assert.equal(framer.pendingBytes, 0);
    });
  }

  for (const chunkSize of [stream.length, 1, 3]) {
    it(`hands the same packets in place, one call each, when fed in chunks of ${chunkSize}`, () => {
      const framer = new PacketFramer(1_024);
      const seen: Array<[number, Buffer, number]> = [];
      for (let i = 0; i < stream.length; i += chunkSize)
        framer.pushEach(stream.subarray(i, i + chunkSize), (first, data, at, bodyAt, end) =>
          seen.push([first >> 4, Buffer.from(data.subarray(at, end)), bodyAt - at]),
        );
      assert.deepEqual(
        seen,
        new PacketFramer(1_024).push(stream).map((p) => [p.type, p.raw, p.bodyOffset]),
      );
      assert.equal(framer.pendingBytes, 0);
    });
  }

  it('slices packets out of the chunk they arrived in', () => {
    const chunk = Buffer.concat([publishV5, puback]);
    const [first] = new PacketFramer(1_024).push(chunk);
    assert.equal(first?.raw.buffer, chunk.buffer);
  });

  it('holds a body without copying until it is complete, and says how much it holds', () => {
    const framer = new PacketFramer(1_024);
    assert.deepEqual(framer.push(publishV5.subarray(0, 6)), []);
    assert.equal(framer.pendingBytes, 6);
    assert.equal(framer.push(publishV5.subarray(6)).length, 1);
  });

  it('refuses a packet over the limit from its header, and stays failed', () => {
    const framer = new PacketFramer(100);
    assert.throws(
      () => framer.push(bytes('30 c8 01 | PUBLISH, remaining length 200')),
      (err: unknown) =>
        err instanceof PacketReaderError && err.code === 'too-large' && err.size === 203,
    );
    assert.throws(() => framer.push(pingreq), PacketReaderError);
  });

  const malformed: Array<[string, Buffer]> = [
    ['reserved packet type 0', bytes('00 00 | type 0')],
    ['SUBSCRIBE with flags 0000 [MQTT-3.8.1-1]', bytes('80 02 00 01 | SUBSCRIBE')],
    ['PUBLISH with QoS 3 [MQTT-3.3.1-4]', bytes('36 02 00 00 | PUBLISH QoS 3')],
    ['a five-byte remaining length', bytes('30 ff ff ff ff 01 | remaining length')],
  ];
  for (const [name, packet] of malformed) {
    it(`refuses ${name} as malformed`, () =>
      assert.throws(
        () => new PacketFramer(1 << 28).push(packet),
        (err: unknown) => err instanceof PacketReaderError && err.code === 'malformed',
      ));
  }
});

describe('reading what the relay needs', () => {
  it('reads a PUBLISH topic and packet id without the rest', () => {
    const [packet] = new PacketFramer(1_024).push(publishV5);
    assert.deepEqual(readPublishHeader(packet!, 5), {
      topic: 'a/b',
      qos: 1,
      messageId: 7,
      hasProperties: false,
    });
  });

  it('says when a 5.0 PUBLISH carries properties (a topic alias may be among them)', () => {
    const [packet] = new PacketFramer(1_024).push(publishWithAlias);
    assert.equal(readPublishHeader(packet!, 5).hasProperties, true);
  });

  it('decodes invalid UTF-8 in a topic leniently, for the topic rules to refuse', () => {
    const [packet] = new PacketFramer(1_024).push(
      bytes('30 04 00 02 c3 28 | topic with invalid UTF-8'),
    );
    assert.equal(readPublishHeader(packet!, 4).topic, '\uFFFD(');
  });

  it('refuses a topic longer than the packet', () => {
    const [packet] = new PacketFramer(1_024).push(bytes('30 03 00 09 61 | topic length 9, 1 byte'));
    assert.throws(() => readPublishHeader(packet!, 4), PacketReaderError);
  });

  it('tells a plain acknowledgement from one with a reason or properties', () => {
    const framer = new PacketFramer(1_024);
    const [plain, reasoned] = framer.push(
      Buffer.concat([puback, bytes('40 04 00 07 10 00 | PUBACK 0x10, no properties')]),
    );
    assert.equal(isPlainAcknowledgement(plain!), true);
    assert.equal(isPlainAcknowledgement(reasoned!), false);
  });

  it('reads the protocol level of a CONNECT from its first bytes', () => {
    const start = bytes(`
      10 90 a1 0f       | CONNECT announcing 250 000 bytes
      00 04 4d 51 54 54 | "MQTT"
      05                | level 5
    `);
    for (let n = 0; n < start.length; n++)
      assert.equal(connectProtocolLevel(start.subarray(0, n)), 'pending');
    assert.equal(connectProtocolLevel(start), 5);
    assert.equal(connectProtocolLevel(bytes('16 03 01 | a TLS record')), 'invalid');
    assert.equal(connectProtocolLevel(bytes('10 0a 00 04 48 54 54 50 04 | "HTTP"')), 'invalid');
  });
});
