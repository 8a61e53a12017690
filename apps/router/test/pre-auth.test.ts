import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { getTestPki, type TestCertificate } from '@roadcast/testing';
import { bytes } from './support/bytes.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket } from './support/vehicle.js';

const VIN = 'WVWZZZ1JZXW001001';
const V2 = 'WVWZZZ1JZXW001002';
const V3 = 'WVWZZZ1JZXW001003';
/** The attacker's address: loopback, but not the one honest vehicles use here. */
const ATTACKER = '127.0.0.2';

/** A CONNECT that announces 250,000 bytes, then 240 KB of it, as the attack sends it. */
const HUGE_CONNECT = Buffer.concat([
  bytes(`
    10 90 a1 0f       | CONNECT, remaining length 250 000
    00 04 4d 51 54 54 | protocol name "MQTT"
    05                | protocol level 5
  `),
  Buffer.alloc(240_000, 0x61),
]);

const CONNACK_0x87 = bytes(`
  20 03 | CONNACK, remaining length 3
  00    | session present 0
  87    | 0x87 not authorized
  00    | no properties
`);

/** A TLS connection; resolves with the socket, or with the error that ended it before the handshake. */
async function tls(
  port: number,
  options: { cert?: TestCertificate; localAddress?: string } = {},
): Promise<TLSSocket | Error> {
  const socket = tlsConnect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: getTestPki().ca,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    ...(options.cert ? { key: options.cert.key, cert: options.cert.cert } : {}),
  });
  return new Promise((resolve) => {
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', (err) => resolve(err));
    socket.once('close', () => resolve(new Error('closed before the handshake')));
  });
}

/** Everything the other side sent until it closed (or the time ran out: then `closed` is false). */
async function untilClosed(
  socket: Socket,
  timeoutMs = 5_000,
): Promise<{ received: Buffer; closed: boolean }> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  const closed = await new Promise<boolean>((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  return { received: Buffer.concat(chunks), closed };
}

async function session(h: RouterHarness, vehicleId: string): Promise<number | undefined> {
  const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(vehicleId), 5);
  raw.sendPacket(connectPacket(vehicleId, 5));
  const connack = await raw.next('connack');
  raw.close();
  return connack?.cmd === 'connack' ? connack.reasonCode : undefined;
}

const counter = async (h: RouterHarness, metric: 'refusals' | 'closes', reason: string) =>
  (await h.ctx.metrics[metric].get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('router pre-authentication budget', () => {
  let h: RouterHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('keeps vehicles served and bans the address when 80 connections without a certificate send huge CONNECTs', async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        throttling: { maxConnections: 60 },
        preAuth: { maxPerAddress: 20 },
        network: { authFailureBan: { maxFailures: 10, windowSeconds: 60, banSeconds: 60 } },
      },
    });
    const router = h.router;
    let preAuthPeak = 0;
    let heldPeak = 0;
    let sessionsPeak = 0;
    const sampler = setInterval(() => {
      preAuthPeak = Math.max(preAuthPeak, router.registry.preAuth.size);
      heldPeak = Math.max(heldPeak, router.registry.heldBytes().total);
      sessionsPeak = Math.max(sessionsPeak, router.registry.established);
    }, 5);
    const answers: Buffer[] = [];
    const attack = Array.from({ length: 80 }, async () => {
      const socket = await tls(h!.tlsPort, { localAddress: ATTACKER });
      if (socket instanceof Error) return 'refused before TLS';
      socket.write(HUGE_CONNECT);
      const { received, closed } = await untilClosed(socket);
      answers.push(received);
      return closed ? 'answered and closed' : 'held';
    });
    // A certified vehicle arrives in the middle of the attack.
    const vehicle = session(h, VIN);
    const outcomes = await Promise.all(attack);
    clearInterval(sampler);

    assert.equal(await vehicle, 0, 'the vehicle got its session');
    assert.equal(outcomes.filter((o) => o === 'held').length, 0, 'no attacker connection was held');
    for (const received of answers) assert.deepEqual(received, CONNACK_0x87);
    assert.ok(preAuthPeak <= 21, `${preAuthPeak} connections were authenticating at once`);
    assert.ok(sessionsPeak <= 1, `${sessionsPeak} sessions`);
    // Nothing of a CONNECT body is buffered for a connection that has no certificate.
    assert.ok(heldPeak <= 80 * 4_096, `${heldPeak} bytes held`);
    assert.ok((await h.ctx.metrics.bans.get()).values[0]!.value >= 1, 'a ban started');
    // Banned: the attacker's next connection is closed before any TLS work.
    assert.ok((await tls(h.tlsPort, { localAddress: ATTACKER })) instanceof Error);
    assert.ok((await counter(h, 'refusals', 'banned')) >= 1);
    // The vehicle's own address is not banned.
    assert.equal(await session(h, V2), 0);
  });

  it('answers a connection without a certificate at once, and closes a silent one after the short deadline', async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        protocol: { connectTimeoutMs: 10_000 },
        preAuth: { unidentifiedTimeoutMs: 300 },
        network: { authFailureBan: { banSeconds: 0 } },
      },
    });
    const eager = await tls(h.tlsPort);
    assert.ok(!(eager instanceof Error));
    const started = Date.now();
    // Only the CONNECT's first bytes: enough to name the protocol version, not the body.
    eager.write(HUGE_CONNECT.subarray(0, 11));
    const answered = await untilClosed(eager, 2_000);
    assert.ok(
      answered.closed && Date.now() - started < 1_000,
      'answered without waiting for the body',
    );
    assert.deepEqual(answered.received, CONNACK_0x87);

    const silent = await tls(h.tlsPort);
    assert.ok(!(silent instanceof Error));
    const opened = Date.now();
    const ended = await untilClosed(silent, 3_000);
    assert.ok(ended.closed, 'closed long before the 10 s CONNECT deadline');
    assert.ok(Date.now() - opened >= 250, 'not before the short deadline');
    assert.equal(ended.received.length, 0);
  });

  it('counts CONNECT deadlines and failed TLS handshakes towards a ban', async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        protocol: { connectTimeoutMs: 200 },
        network: { authFailureBan: { maxFailures: 3, windowSeconds: 60, banSeconds: 60 } },
      },
    });
    for (let i = 0; i < 2; i++) {
      const idle = await tls(h.tlsPort, {
        cert: getTestPki().vehicle(VIN),
        localAddress: ATTACKER,
      });
      assert.ok(!(idle instanceof Error));
      assert.ok((await untilClosed(idle)).closed);
    }
    // Not TLS at all: an HTTP request to the MQTT port.
    const http = netConnect({ host: '127.0.0.1', port: h.tlsPort, localAddress: ATTACKER });
    await once(http, 'connect');
    http.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok((await untilClosed(http)).closed);
    for (let i = 0; i < 50 && (await h.ctx.metrics.bans.get()).values[0]?.value !== 1; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal((await h.ctx.metrics.bans.get()).values[0]?.value, 1);
    assert.ok(
      (await tls(h.tlsPort, { cert: getTestPki().vehicle(VIN), localAddress: ATTACKER })) instanceof
        Error,
    );
    // A peer that merely opens and closes (a TCP health check) is not held against its address.
    for (let i = 0; i < 5; i++) {
      const probe = netConnect({ host: '127.0.0.1', port: h.tlsPort });
      await once(probe, 'connect');
      probe.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await session(h, V2), 0);
  });

  it('closes connections beyond the router-wide budget before any TLS work', async () => {
    h = await startRouterHarness({ brokers: 1, policy: { preAuth: { maxConnections: 3 } } });
    const idle = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const socket = netConnect({ host: '127.0.0.1', port: h!.tlsPort });
        await once(socket, 'connect');
        return socket;
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.router.registry.preAuth.size, 3);
    assert.ok((await tls(h.tlsPort, { cert: getTestPki().vehicle(VIN) })) instanceof Error);
    assert.equal(await counter(h, 'refusals', 'preauth-saturated'), 1);
    for (const socket of idle) socket.destroy();
    for (let i = 0; i < 50 && h.router.registry.preAuth.size > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    // A session no longer counts against the budget once it is accepted.
    assert.equal(await session(h, VIN), 0);
    assert.equal(h.router.registry.preAuth.size, 0);
  });

  it('keeps one address from filling the budget: its extra connections are closed before TLS', async () => {
    h = await startRouterHarness({ brokers: 1, policy: { preAuth: { maxPerAddress: 2 } } });
    const idle = await Promise.all(
      Array.from({ length: 2 }, async () => {
        const socket = netConnect({ host: '127.0.0.1', port: h!.tlsPort, localAddress: ATTACKER });
        await once(socket, 'connect');
        return socket;
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.ok((await tls(h.tlsPort, { localAddress: ATTACKER })) instanceof Error);
    assert.equal(await counter(h, 'refusals', 'preauth-address-saturated'), 1);
    // Another address is not affected.
    assert.equal(await session(h, VIN), 0);
    for (const socket of idle) socket.destroy();
  });

  it('applies a new pre-authentication budget without a restart', async () => {
    h = await startRouterHarness({ brokers: 1, policy: { preAuth: { maxConnections: 2 } } });
    const idle = await Promise.all(
      Array.from({ length: 2 }, async () => {
        const socket = netConnect({ host: '127.0.0.1', port: h!.tlsPort });
        await once(socket, 'connect');
        return socket;
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.ok((await tls(h.tlsPort, { cert: getTestPki().vehicle(VIN) })) instanceof Error);
    await h.setPolicy({ preAuth: { maxConnections: 10 } });
    assert.equal(await session(h, VIN), 0);
    for (const socket of idle) socket.destroy();
  });

  it('answers refusals at accept only within their rate; beyond it closes before TLS', async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        throttling: { maxConnections: 1 },
        preAuth: { refusalAnswers: { perSecond: 0.001, burst: 1 } },
      },
    });
    const first = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(VIN), 5);
    first.sendPacket(connectPacket(VIN, 5));
    assert.equal((await first.next('connack'))?.cmd, 'connack');
    // The second hears why (0x97) ...
    const second = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(V2), 5);
    second.sendPacket(connectPacket(V2, 5));
    await second.waitClosed();
    assert.equal(second.received[3], 0x97);
    // ... the third costs the router no handshake.
    assert.ok((await tls(h.tlsPort, { cert: getTestPki().vehicle(V3) })) instanceof Error);
    assert.equal(await counter(h, 'refusals', 'max-connections'), 2);
    first.close();
  });
});
