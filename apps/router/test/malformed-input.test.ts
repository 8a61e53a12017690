import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import mqtt from 'mqtt';
import { encodePacket } from '@roadcast/mqtt';
import { getTestPki } from '@roadcast/testing';
import { bytes } from './support/bytes.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket, connectVehicle } from './support/vehicle.js';

const VIN = 'WVWZZZ1JZXW000901';
const CHECK = 'WVWZZZ1JZXW000902';
const MiB = 1024 * 1024;

/** Waits until a socket is closed by the other side; the bytes it received. */
async function closedBy(socket: Socket, timeoutMs = 5_000): Promise<Buffer> {
  let received = Buffer.alloc(0);
  socket.on('data', (c: Buffer) => (received = Buffer.concat([received, c])));
  socket.on('error', () => undefined);
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  socket.destroy();
  assert.ok(closed, 'connection still open');
  return received;
}

describe('router with malformed input', () => {
  let h: RouterHarness;
  before(async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: { network: { authFailureBan: { banSeconds: 0 } } },
    });
  });
  after(() => h.close());

  /** Another vehicle still connects and exchanges a message both ways. */
  async function stillServes(): Promise<void> {
    const backend = await mqtt.connectAsync(h.brokers[0]!.url, {
      protocolVersion: 5,
      ...h.brokers[0]!.credentials('observer'),
    });
    const vehicle = await connectVehicle(h.tlsPort, getTestPki().vehicle(CHECK), {
      clean: true,
      properties: {},
    });
    try {
      await vehicle.subscribeAsync(`vehicles/${CHECK}/ota/notices`, { qos: 1 });
      await backend.subscribeAsync(`vehicles/${CHECK}/ota/acks`, { qos: 1 });
      const notice = new Promise<string>((r) =>
        vehicle.once('message', (_t, p) => r(p.toString())),
      );
      await backend.publishAsync(`vehicles/${CHECK}/ota/notices`, 'still-here', { qos: 1 });
      assert.equal(await notice, 'still-here');
      const ack = new Promise<string>((r) => backend.once('message', (_t, p) => r(p.toString())));
      await vehicle.publishAsync(`vehicles/${CHECK}/ota/acks`, 'ack', { qos: 1 });
      assert.equal(await ack, 'ack');
    } finally {
      await vehicle.endAsync();
      await backend.endAsync();
    }
  }

  async function session(): Promise<RawVehicle> {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(VIN), 5);
    raw.sendPacket(connectPacket(VIN, 5, { clean: true, properties: {} }));
    const connack = await raw.next('connack');
    assert.equal(connack?.cmd === 'connack' && connack.reasonCode, 0);
    raw.received = Buffer.alloc(0);
    return raw;
  }

  it('refuses __proto__ as client id: it is not the certificate id', async () => {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(VIN), 5);
    raw.sendPacket(connectPacket('__proto__', 5));
    await raw.waitClosed();
    assert.deepEqual(
      raw.received,
      bytes(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        85    | 0x85 client identifier not valid
        00    | no properties
      `),
    );
    await stillServes();
  });

  it('refuses a PUBLISH to __proto__ by the topic rules and keeps the session', async () => {
    const raw = await session();
    raw.send(
      bytes(`
        32 11       | PUBLISH QoS 1, remaining length 17
        00 09       | topic length 9
        5f 5f 70 72 6f 74 6f 5f 5f | "__proto__"
        00 05       | packet id 5
        00          | no properties
        78 78 78    | payload "xxx"
      `),
    );
    const puback = await raw.next('puback');
    assert.equal(puback?.cmd === 'puback' && puback.messageId, 5);
    assert.equal(puback?.cmd === 'puback' && puback.reasonCode, 0x87);
    assert.equal(raw.closed, false);
    raw.close();
    await stillServes();
  });

  it('refuses a SUBSCRIBE to __proto__ by the topic rules and keeps the session', async () => {
    const raw = await session();
    raw.send(
      bytes(`
        82 0f       | SUBSCRIBE, remaining length 15
        00 07       | packet id 7
        00          | no properties
        00 09       | filter length 9
        5f 5f 70 72 6f 74 6f 5f 5f | "__proto__"
        01          | QoS 1
      `),
    );
    await raw.next('suback');
    assert.deepEqual(
      raw.received,
      bytes(`
        90 04 | SUBACK, remaining length 4
        00 07 | packet id 7
        00    | no properties
        87    | 0x87 not authorized
      `),
    );
    assert.equal(raw.closed, false);
    raw.close();
    await stillServes();
  });

  it('closes a CONNECT declaring 256 MiB before buffering it, and memory does not grow', async () => {
    const attempt = async () => {
      const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(VIN), 5);
      raw.send(
        bytes(`
          10 ff ff ff 7f | CONNECT, remaining length 268 435 455, the largest MQTT can express
          00 04 4d 51 54 54 | protocol name "MQTT", then nothing more
        `),
      );
      await raw.waitClosed();
      assert.equal(raw.received.length, 0);
    };
    await attempt();
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 200; i++) await attempt();
    global.gc?.();
    const grown = process.memoryUsage().rss - before;
    assert.ok(grown < 64 * MiB, `resident memory grew by ${Math.round(grown / MiB)} MiB`);
    assert.ok(h.logs.some((l) => l.refusal === 'packet-too-large' && l.vehicleId === VIN));
    await stillServes();
  });

  it('closes a connection whose first packet is a CONNACK [MQTT-3.1.0-1]', async () => {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(VIN), 5);
    raw.send(
      bytes(`
        20 03 | CONNACK, remaining length 3: a packet only servers send
        00    | session present 0
        00    | success
        00    | no properties
      `),
    );
    await raw.waitClosed();
    assert.equal(raw.received.length, 0);
    await stillServes();
  });

  it('ends a session that sends a CONNACK after CONNECT: DISCONNECT 0x82 protocol error', async () => {
    const raw = await session();
    raw.send(
      bytes(`
        20 03 | CONNACK, remaining length 3: a packet only servers send
        00    | session present 0
        00    | success
        00    | no properties
      `),
    );
    await raw.waitClosed();
    assert.deepEqual(
      raw.received,
      bytes(`
        e0 02 | DISCONNECT, remaining length 2
        82    | 0x82 protocol error
        00    | no properties
      `),
    );
    await stillServes();
  });

  it('ends a session that sends a second CONNECT: DISCONNECT 0x82 protocol error [MQTT-3.1.0-2]', async () => {
    const raw = await session();
    raw.sendPacket(connectPacket(VIN, 5, { clean: true, properties: {} }));
    await raw.waitClosed();
    assert.deepEqual(
      raw.received,
      bytes(`
        e0 02 | DISCONNECT, remaining length 2
        82    | 0x82 protocol error
        00    | no properties
      `),
    );
    await stillServes();
  });

  it('ends a session that publishes to a zero-length topic without an alias: DISCONNECT 0x90 [MQTT-4.7.3-1]', async () => {
    const raw = await session();
    raw.send(
      bytes(`
        30 04 | PUBLISH QoS 0, remaining length 4
        00 00 | topic length 0
        00    | no properties
        78    | payload "x"
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
    await stillServes();
  });

  const malformed: Array<[string, Buffer]> = [
    [
      'a PUBLISH with both QoS bits set [MQTT-3.3.1-4]',
      bytes(`
        36 05 | PUBLISH, QoS 3, remaining length 5
        00 01 | topic length 1
        61    | topic "a"
        00 01 | packet id 1
      `),
    ],
    [
      'a remaining length longer than four bytes (MQTT 5.0 section 1.5.5)',
      bytes(`
        30 ff ff ff ff 01 | PUBLISH, remaining length with a fifth byte
      `),
    ],
  ];
  for (const [name, packet] of malformed) {
    it(`ends a session that sends ${name}: DISCONNECT 0x81`, async () => {
      const raw = await session();
      raw.send(packet);
      await raw.waitClosed();
      assert.deepEqual(
        raw.received,
        bytes(`
          e0 02 | DISCONNECT, remaining length 2
          81    | 0x81 malformed packet
          00    | no properties
        `),
      );
      await stillServes();
    });
  }

  it('closes a session that sends part of a packet, then nothing, once its keep alive lapses', async () => {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(VIN), 5);
    raw.sendPacket(connectPacket(VIN, 5, { clean: true, properties: {}, keepalive: 1 }));
    const connack = await raw.next('connack');
    assert.equal(connack?.cmd === 'connack' && connack.reasonCode, 0);
    raw.received = Buffer.alloc(0);
    raw.send(
      bytes(`
        30 0a | PUBLISH QoS 0, remaining length 10
        00 03 | topic length 3
        61    | "a", then silence
      `),
    );
    // The keep alive of 1 s is raised to the policy's minimum (5 s, told in CONNACK); no whole
    // packet arrives within 1.5 times that [MQTT-3.1.2-24], and the router ends the session.
    await raw.waitClosed(15_000);
    assert.deepEqual(
      raw.received,
      bytes(`
        e0 02 | DISCONNECT, remaining length 2
        8d    | 0x8D keep alive timeout
        00    | no properties
      `),
    );
    await stillServes();
  });

  it('closes a TLS ClientHello sent to the plain development listener', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: h.plainPort, servername: 'localhost' });
    socket.on('error', () => undefined);
    await closedBy(socket);
    await stillServes();
  });

  it('closes plain MQTT bytes sent to the TLS listener', async () => {
    const socket = netConnect({ host: '127.0.0.1', port: h.tlsPort });
    await once(socket, 'connect');
    socket.write(
      bytes(`
        10 10             | CONNECT, remaining length 16
        00 04 4d 51 54 54 | protocol name "MQTT"
        05                | protocol level 5
        02                | connect flags: clean start
        00 1e             | keep alive 30 s
        00                | no properties
        00 03 61 62 63    | client id "abc"
      `),
    );
    const received = await closedBy(socket);
    // Whatever came back is a TLS record (an alert), never an MQTT answer.
    assert.ok(received.length === 0 || received[0] === 0x15, received.toString('hex'));
    await stillServes();
  });
});

describe('router with a CONNECT trickled in byte by byte', () => {
  let h: RouterHarness;
  before(async () => {
    h = await startRouterHarness({ brokers: 1, policy: { protocol: { connectTimeoutMs: 400 } } });
  });
  after(() => h.close());

  it('closes the connection at the CONNECT deadline, however steadily bytes arrive', async () => {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(VIN), 5);
    const connect = encodePacket(connectPacket(VIN, 5), 5);
    // One byte every 50 ms: the whole CONNECT would take several deadlines to arrive.
    for (let i = 0; i < connect.length && !raw.closed; i++) {
      raw.send(connect.subarray(i, i + 1));
      await new Promise((r) => setTimeout(r, 50));
    }
    await raw.waitClosed();
    assert.equal(raw.received.length, 0);
    assert.ok(h.logs.some((l) => l.refusal === 'connect-timeout'));
  });
});
