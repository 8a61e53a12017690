import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dialBroker,
  encodePacket,
  MqttClientError,
  type DialBrokerOptions,
  type RawPacket,
} from '../src/index.js';
import { bytes } from './bytes.js';
import { brokersOfThisFile, waitUntil, type ScriptedConnection } from './scripted-broker.js';

const broker = brokersOfThisFile();

/** Answers the CONNECT with these bytes, written at once. */
const answering =
  (...writes: Buffer[]) =>
  (c: ScriptedConnection) =>
    c.onPacket((p) => {
      if (p.cmd === 'connect') for (const w of writes) c.socket.write(w);
    });

const connectV5 = encodePacket(
  { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'VIN1' },
  5,
);

function options(url: string, overrides: Partial<DialBrokerOptions> = {}): DialBrokerOptions {
  return {
    url,
    connect: connectV5,
    protocolVersion: 5,
    timeoutMs: 5_000,
    maxPacketSize: 1024,
    ...overrides,
  };
}

const connack = bytes(`
  20 03 | CONNACK, remaining length 3
  01    | session present
  00    | reason: success
  00    | no properties`);
const queued = bytes(`
  32 0a | PUBLISH QoS 1, remaining length 10
  00 03 | topic length 3
  61 2f 62 | a/b
  00 07 | packet id 7
  00    | no properties
  68 69 | payload "hi"`);
const pingresp = bytes('d0 00 | PINGRESP');

describe('dialing a broker (the handshake the router and the client sessions share)', () => {
  it('hands the socket over paused after CONNACK, with the CONNACK as sent and what followed framed', async () => {
    // CONNACK, two packets and the first bytes of a third in one write; the rest later.
    const b = await broker(
      answering(Buffer.concat([connack, queued, pingresp, queued.subarray(0, 3)])),
    );
    const opened = await dialBroker(options(b.url));
    assert.deepEqual(opened.connackRaw, connack);
    assert.equal(opened.connack.sessionPresent, true);
    assert.equal(opened.connack.reasonCode, 0);
    assert.deepEqual(
      opened.following.map((p) => p.raw),
      [queued, pingresp],
    );
    assert.equal(opened.framer.pendingBytes, 3);
    assert.equal(opened.socket.isPaused(), true);
    for (const event of ['data', 'error', 'close'])
      assert.equal(opened.socket.listenerCount(event), 0, `a ${event} listener left behind`);
    // What arrives while nobody reads waits for the new owner, who frames on where it stopped.
    b.connections[0]!.socket.write(queued.subarray(3));
    await new Promise((r) => setTimeout(r, 50));
    const later: RawPacket[] = [];
    opened.socket.on('data', (chunk: Buffer) => later.push(...opened.framer.push(chunk)));
    opened.socket.resume();
    await waitUntil(() => later.length === 1, 'the rest of the third packet');
    assert.deepEqual(later[0]!.raw, queued);
    opened.socket.destroy();
  });

  it('hands a refusing CONNACK back as it came, 5.0 reason code and 3.1.1 return code alike', async () => {
    const refusedV5 = bytes(`
      20 03 | CONNACK, remaining length 3
      00    | no session
      86    | reason: bad user name or password
      00    | no properties`);
    const v5 = await dialBroker(options((await broker(answering(refusedV5))).url));
    assert.deepEqual(v5.connackRaw, refusedV5);
    assert.equal(v5.connack.reasonCode, 0x86);
    v5.socket.destroy();

    const refusedV4 = bytes(`
      20 02 | CONNACK, remaining length 2
      00    | no session
      05    | return code 5: not authorized`);
    const v4 = await dialBroker(
      options((await broker(answering(refusedV4))).url, {
        protocolVersion: 4,
        connect: encodePacket(
          { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'VIN1' },
          4,
        ),
      }),
    );
    assert.deepEqual(v4.connackRaw, refusedV4);
    assert.equal(v4.connack.returnCode, 5);
    v4.socket.destroy();
  });

  it('takes a CONNACK that arrived in time while the event loop was held past the deadline', async () => {
    // The broker answers, then holds this process's event loop well past the deadline: the
    // deadline's timer runs before the socket is read, and must not win.
    const b = await broker((c) =>
      c.onPacket((p) => {
        if (p.cmd !== 'connect') return;
        c.socket.write(connack);
        const until = performance.now() + 300;
        while (performance.now() < until);
      }),
    );
    const opened = await dialBroker(options(b.url, { timeoutMs: 100 }));
    assert.deepEqual(opened.connackRaw, connack);
    opened.socket.destroy();
  });

  it('gives up on a silent broker at the deadline, and at once when aborted', async () => {
    const silent = await broker(() => undefined);
    await assert.rejects(
      dialBroker(options(silent.url, { timeoutMs: 100 })),
      (err: unknown) =>
        err instanceof MqttClientError && err.code === 'ROADCAST_ERR_MQTT_CONNECT_TIMEOUT',
    );
    const abort = new AbortController();
    const attempt = dialBroker(options(silent.url, { timeoutMs: 60_000, signal: abort.signal }));
    await waitUntil(() => silent.connections.length === 2, 'the second connection');
    abort.abort();
    await assert.rejects(
      attempt,
      (err: unknown) => err instanceof MqttClientError && err.code === 'ROADCAST_ERR_MQTT_CLOSED',
    );
    await waitUntil(() => silent.connections[1]!.socket.closed, 'the broker sees the close');
  });

  it('refuses a broker that announces a packet over the limit before buffering it', async () => {
    const b = await broker(answering(bytes('30 80 80 80 30 | PUBLISH announcing 100 MB')));
    await assert.rejects(
      dialBroker(options(b.url)),
      (err: unknown) =>
        err instanceof MqttClientError &&
        err.code === 'ROADCAST_ERR_MQTT_PROTOCOL' &&
        /over the 1024/.test(err.message),
    );
  });

  it('refuses a first packet that is not a CONNACK, and a URL that is not MQTT', async () => {
    const b = await broker(answering(pingresp));
    await assert.rejects(
      dialBroker(options(b.url)),
      (err: unknown) => err instanceof MqttClientError && err.code === 'ROADCAST_ERR_MQTT_PROTOCOL',
    );
    await assert.rejects(
      dialBroker(options('http://127.0.0.1:1')),
      (err: unknown) =>
        err instanceof MqttClientError && err.code === 'ROADCAST_ERR_MQTT_CONNECT_REFUSED',
    );
  });
});
