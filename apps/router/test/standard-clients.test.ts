import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect, type SecureVersion } from 'node:tls';
import mqtt from 'mqtt';
import { rankBrokers } from '@roadcast/routing';
import { getTestPki, platformCredentials } from '@roadcast/testing';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';

const OTHER = 'WVWZZZ1JZXW000899';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Debian mosquitto-clients tool; killed if it outlives `timeoutMs`. */
async function runTool(tool: string, args: string[], timeoutMs = 15_000): Promise<Run> {
  const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('the router with TLS versions', () => {
  let h: RouterHarness;
  before(async () => {
    h = await startRouterHarness({ brokers: 1 });
  });
  after(() => h.close());

  /** Resolves with null once the handshake completed, or with the error that ended it. */
  async function handshake(version: SecureVersion): Promise<string | null> {
    const cert = getTestPki().vehicle('WVWZZZ1JZXW000801');
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: h.tlsPort,
      servername: 'localhost',
      ca: getTestPki().ca,
      key: cert.key,
      cert: cert.cert,
      minVersion: version,
      maxVersion: version,
      // Lets this side offer protocol versions the platform's defaults no longer allow.
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    const result = await new Promise<string | null>((resolve) => {
      socket.once('secureConnect', () => resolve(null));
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      socket.once('close', () => resolve('closed'));
    });
    socket.on('error', () => undefined);
    socket.destroy();
    return result;
  }

  const handshakeFailures = async () =>
    (await h.ctx.metrics.closes.get()).values.find((v) => v.labels.reason === 'tls-handshake')
      ?.value ?? 0;

  for (const version of ['TLSv1', 'TLSv1.1'] as const) {
    it(`refuses a client limited to ${version} during the handshake`, async () => {
      const before = await handshakeFailures();
      // Alert 70, protocol_version, sent by the router.
      assert.equal(await handshake(version), 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
      // The router saw the attempt and refused it; the client did not merely give up alone.
      for (let i = 0; i < 50 && (await handshakeFailures()) === before; i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(await handshakeFailures(), before + 1);
    });
  }

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`accepts the same certificate over ${version}`, async () => {
      assert.equal(await handshake(version), null);
    });
  }
});

describe('the router with the standard Mosquitto clients', () => {
  let h: RouterHarness;
  before(async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: { network: { authFailureBan: { banSeconds: 0 } } },
    });
  });
  after(() => h.close());

  function tlsArgs(vehicleId: string, version: 'mqttv5' | 'mqttv311'): string[] {
    const pki = getTestPki();
    const cert = pki.vehicle(vehicleId);
    return [
      '-h',
      '127.0.0.1',
      '-p',
      String(h.tlsPort),
      '--cafile',
      pki.caFile,
      '--cert',
      cert.certFile,
      '--key',
      cert.keyFile,
      '-i',
      vehicleId,
      '-V',
      version,
    ];
  }

  const brokerUrl = (vehicleId: string) => {
    const id = rankBrokers(vehicleId, h.ctx.topology.pool('pool-a')!)[0]!.id;
    return h.brokers.find((b) => b.id === id)!.url;
  };

  for (const [version, vehicleId] of [
    ['mqttv5', 'WVWZZZ1JZXW000811'],
    ['mqttv311', 'WVWZZZ1JZXW000812'],
  ] as const) {
    it(`mosquitto_sub (${version}) receives its notices published on the edge broker`, async () => {
      const backend = await mqtt.connectAsync(brokerUrl(vehicleId), {
        protocolVersion: 5,
        ...platformCredentials().bridge,
      });
      try {
        const sub = runTool('mosquitto_sub', [
          ...tlsArgs(vehicleId, version),
          '-t',
          `vehicles/${vehicleId}/ota/notices`,
          '-q',
          '1',
          '-C',
          '1',
          '-W',
          '10',
        ]);
        // Publish until the subscription is in place; the first delivered one ends mosquitto_sub.
        let done = false;
        void sub.then(() => (done = true));
        for (let i = 0; i < 100 && !done; i++) {
          await backend.publishAsync(`vehicles/${vehicleId}/ota/notices`, 'notice-std', { qos: 1 });
          await new Promise((r) => setTimeout(r, 100));
        }
        const result = await sub;
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout.trim(), 'notice-std');
      } finally {
        await backend.endAsync();
      }
    });

    it(`mosquitto_pub (${version}) publishes its ack topic to the edge broker`, async () => {
      const backend = await mqtt.connectAsync(brokerUrl(vehicleId), {
        protocolVersion: 5,
        ...platformCredentials().tracker,
      });
      try {
        await backend.subscribeAsync(`vehicles/${vehicleId}/ota/acks`, { qos: 1 });
        const ack = new Promise<string>((resolve) =>
          backend.once('message', (_t, payload) => resolve(payload.toString())),
        );
        const result = await runTool('mosquitto_pub', [
          ...tlsArgs(vehicleId, version),
          '-t',
          `vehicles/${vehicleId}/ota/acks`,
          '-q',
          '1',
          '-m',
          '{"state":"received"}',
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(await ack, '{"state":"received"}');
      } finally {
        await backend.endAsync();
      }
    });
  }

  it('mosquitto_sub without a client certificate is refused: CONNACK 0x87', async () => {
    const pki = getTestPki();
    const result = await runTool('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(h.tlsPort),
      '--cafile',
      pki.caFile,
      '-i',
      'WVWZZZ1JZXW000814',
      '-V',
      'mqttv5',
      '-t',
      'vehicles/WVWZZZ1JZXW000814/ota/notices',
      '-W',
      '10',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /not authori[sz]ed/i);
    assert.ok(h.logs.some((l) => l.refusal === 'no-certificate'));
  });

  it("mosquitto_pub (mqttv5) is refused a publish to another vehicle's topic", async () => {
    const vehicleId = 'WVWZZZ1JZXW000813';
    const backend = await mqtt.connectAsync(brokerUrl(OTHER), {
      protocolVersion: 5,
      ...platformCredentials().observer,
    });
    try {
      const received: string[] = [];
      await backend.subscribeAsync(`vehicles/${OTHER}/#`, { qos: 1 });
      backend.on('message', (_t, payload) => received.push(payload.toString()));
      const result = await runTool('mosquitto_pub', [
        ...tlsArgs(vehicleId, 'mqttv5'),
        '-t',
        `vehicles/${OTHER}/ota/acks`,
        '-q',
        '1',
        '-m',
        'forged',
      ]);
      // PUBACK 0x87 not authorized: mosquitto_pub reports the failure.
      assert.match(result.stderr, /not authori[sz]ed/i);
      // A round trip on the broker after the refusal: the forged message would have arrived first.
      await backend.publishAsync(`vehicles/${OTHER}/ota/acks`, 'marker', { qos: 1 });
      for (let i = 0; i < 100 && !received.includes('marker'); i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(received, ['marker']);
    } finally {
      await backend.endAsync();
    }
  });
});
