import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { encodePacket, PacketReader } from '@roadcast/mqtt';
import { freePort, getTestPki } from '@roadcast/testing';
import { bytes } from './support/bytes.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { connectPacket } from './support/vehicle.js';

const VIN = 'WVWZZZ1JZXW001501';
const SIGNATURE = '0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a | signature';

/** A PROXY v2 header for a TCP/IPv4 connection from `a.b.c.d`. */
function header(source: string): Buffer {
  const address = Buffer.from(source.split('.').map(Number));
  return Buffer.concat([
    bytes(`
      ${SIGNATURE}
      21    | version 2, command PROXY
      11    | AF_INET, STREAM
      00 0c | 12 bytes of addresses
    `),
    address,
    bytes(`
      7f 00 00 01 | destination 127.0.0.1
      d4 31 22 b3 | ports 54321 → 8883
    `),
  ]);
}

type Outcome = { connack: number } | { closed: 'before TLS' | 'after TLS' };

/**
 * A vehicle whose connection starts with `prefix` (a PROXY header, written in `pieces`),
 * then mTLS and a CONNECT: the CONNACK's reason code, or how the connection ended.
 */
async function attempt(
  port: number,
  prefix: Buffer,
  options: { localAddress?: string; pieces?: number; vehicleId?: string; clientId?: string } = {},
): Promise<Outcome> {
  const vehicleId = options.vehicleId ?? VIN;
  const raw = netConnect({
    host: '127.0.0.1',
    port,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  });
  raw.on('error', () => undefined);
  await once(raw, 'connect');
  const pieces = options.pieces ?? 1;
  const step = Math.ceil(prefix.length / pieces);
  for (let at = 0; at < prefix.length; at += step) {
    raw.write(prefix.subarray(at, at + step));
    if (pieces > 1) await new Promise((r) => setTimeout(r, 30));
  }
  return overTls(raw, vehicleId, options.clientId ?? vehicleId);
}

/** mTLS and a CONNECT over a connection already open, or a new one to `port`. */
async function overTls(
  to: Socket | { port: number; localAddress?: string },
  vehicleId: string,
  clientId: string,
): Promise<Outcome> {
  const cert = getTestPki().vehicle(vehicleId);
  const target = isSocket(to)
    ? { socket: to }
    : {
        host: '127.0.0.1',
        port: to.port,
        ...(to.localAddress ? { localAddress: to.localAddress } : {}),
      };
  const socket = tlsConnect({
    ...target,
    servername: 'localhost',
    ca: getTestPki().ca,
    key: cert.key,
    cert: cert.cert,
  });
  socket.on('error', () => undefined);
  const secure = await new Promise<boolean>((resolve) => {
    socket.once('secureConnect', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
  if (!secure) return { closed: 'before TLS' };
  const reader = new PacketReader({ maxPacketSize: 1 << 28, protocolVersion: 5 });
  const connack = new Promise<Outcome>((resolve) => {
    socket.on('data', (c: Buffer) => {
      for (const { packet: p } of reader.push(c))
        resolve(p.cmd === 'connack' ? { connack: p.reasonCode ?? -1 } : { closed: 'after TLS' });
    });
    socket.once('close', () => resolve({ closed: 'after TLS' }));
  });
  socket.write(encodePacket(connectPacket(clientId, 5, { clean: true, properties: {} }), 5));
  const outcome = await connack;
  socket.destroy();
  return outcome;
}

function isSocket(value: unknown): value is Socket {
  return typeof (value as Socket).write === 'function';
}

const refusals = async (h: RouterHarness, reason: string) =>
  (await h.ctx.metrics.refusals.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

/** The address the router gave the relayed session of this vehicle. */
function sessionAddress(h: RouterHarness, vehicleId: string): string | undefined {
  return h.logs.findLast((l) => l.msg === 'relaying' && l.vehicleId === vehicleId)?.address as
    string | undefined;
}

describe('router behind an L4 balancer (PROXY protocol v2)', () => {
  let h: RouterHarness | undefined;
  let haproxy: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (haproxy && haproxy.exitCode === null) {
      haproxy.kill('SIGTERM');
      await once(haproxy, 'exit');
    }
    haproxy = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    await h?.close();
    h = undefined;
  });

  it('takes the vehicle’s address from a trusted balancer’s header, also when it arrives in pieces', async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        network: { proxyProtocol: { trustedSources: ['127.0.0.1/32'] }, deny: ['203.0.113.0/24'] },
      },
    });
    assert.deepEqual(await attempt(h.tlsPort, header('198.51.100.7'), { pieces: 5 }), {
      connack: 0,
    });
    assert.equal(sessionAddress(h, VIN), '198.51.100.7');
    // Network rules judge that address, not the balancer's.
    assert.deepEqual(await attempt(h.tlsPort, header('203.0.113.9')), { closed: 'before TLS' });
    assert.ok(h.logs.some((l) => l.refusal === 'network-denied' && l.address === '203.0.113.9'));
    // A health check's LOCAL header keeps the balancer's own address.
    const localHeader = bytes(`
      ${SIGNATURE}
      20 00 00 00 | version 2, LOCAL, AF_UNSPEC, no addresses
    `);
    assert.deepEqual(await attempt(h.tlsPort, localHeader, { vehicleId: 'WVWZZZ1JZXW001502' }), {
      connack: 0,
    });
    assert.equal(sessionAddress(h, 'WVWZZZ1JZXW001502'), '127.0.0.1');
  });

  it('refuses a header from an untrusted address, and a trusted balancer that sends none', async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: { network: { proxyProtocol: { trustedSources: ['127.0.0.1/32'] } } },
    });
    // A client that claims another address is closed before TLS.
    assert.deepEqual(
      await attempt(h.tlsPort, header('198.51.100.7'), { localAddress: '127.0.0.2' }),
      {
        closed: 'before TLS',
      },
    );
    assert.equal(await refusals(h, 'proxy-untrusted'), 1);
    // Directly from an untrusted address, without a header, is an ordinary connection.
    assert.deepEqual(await attempt(h.tlsPort, Buffer.alloc(0), { localAddress: '127.0.0.2' }), {
      connack: 0,
    });
    assert.equal(sessionAddress(h, VIN), '127.0.0.2');
    // The balancer must send one.
    assert.deepEqual(await attempt(h.tlsPort, Buffer.alloc(0)), { closed: 'before TLS' });
    assert.equal(await refusals(h, 'proxy-missing'), 1);
    // A header beyond the size bound.
    const huge = Buffer.concat([
      bytes(`${SIGNATURE}\n21 11 07 d0 | 2,000 bytes announced`),
      Buffer.alloc(2_000),
    ]);
    assert.deepEqual(await attempt(h.tlsPort, huge), { closed: 'before TLS' });
    assert.equal(await refusals(h, 'proxy-invalid'), 1);
  });

  it('sees each vehicle’s own address through a real HAProxy, so a ban hits the attacker only', async () => {
    const binary = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));
    assert.ok(binary, 'haproxy is installed (Debian package "haproxy")');
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        network: {
          proxyProtocol: { trustedSources: ['127.0.0.1/32'] },
          authFailureBan: { maxFailures: 3, windowSeconds: 60, banSeconds: 60 },
        },
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'roadcast-haproxy-'));
    const port = await freePort();
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(
      config,
      [
        'global',
        '  maxconn 100',
        'defaults',
        '  mode tcp',
        '  timeout connect 5s',
        '  timeout client 30s',
        '  timeout server 30s',
        'frontend vehicles',
        `  bind 127.0.0.1:${port}`,
        '  default_backend routers',
        'backend routers',
        `  server router 127.0.0.1:${h.tlsPort} send-proxy-v2`,
        '',
      ].join('\n'),
    );
    haproxy = spawn(binary, ['-f', config, '-db'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const probe = netConnect({ host: '127.0.0.1', port }, () => {
          probe.destroy();
          resolve(true);
        });
        probe.on('error', () => resolve(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const through = (localAddress: string, vehicleId: string, clientId = vehicleId) =>
      overTls({ port, localAddress }, vehicleId, clientId);

    assert.deepEqual(await through('127.0.0.3', VIN), { connack: 0 });
    assert.equal(sessionAddress(h, VIN), '127.0.0.3');
    // Three failed logins from one vehicle's address (a client id that is not its own) ban it ...
    for (let i = 0; i < 3; i++)
      assert.deepEqual(await through('127.0.0.4', 'WVWZZZ1JZXW001503', 'WVWZZZ1JZXW001599'), {
        connack: 0x85,
      });
    assert.deepEqual(await through('127.0.0.4', 'WVWZZZ1JZXW001503'), { closed: 'before TLS' });
    assert.ok(h.logs.some((l) => l.refusal === 'banned' && l.address === '127.0.0.4'));
    // ... and only it: another vehicle behind the same balancer still connects.
    assert.deepEqual(await through('127.0.0.5', 'WVWZZZ1JZXW001504'), { connack: 0 });
  });
});
