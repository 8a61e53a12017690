/**
 * The benchmark rig shared by the router scenarios: one Mosquitto edge broker behind, in
 * front of it either the Roadcast router (a real process, as deployed) or HAProxy terminating
 * the same mTLS, and vehicles with certificates from the same fleet CA. Helper module: it
 * exports no scenario.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  freePort,
  getTestPki,
  platformPasswordFile,
  type BrokerCredentials,
  type MosquittoBroker,
  type TestCertificate,
} from '@roadcast/testing';
import { AppProcess } from '@roadcast/local-stack';
import { scenarioDatabase, startBenchBroker } from '../runner/bench-services.js';
import type { CleanupScope } from '../runner/cleanup.js';
import type { ProcessSource } from '../runner/process-cpu.js';
import { scenarioRedisPrefix } from '../runner/redis-keys.js';

const WORKSPACE = resolve(import.meta.dirname, '../../..');
const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'];

export interface RouterRig {
  broker: MosquittoBroker;
  /**
   * The login the router presents on every vehicle session. A vehicle that reaches the broker
   * without the router (straight, or through HAProxy, which passes its CONNECT on unchanged)
   * carries it in its own CONNECT, so the broker checks the same password on every path.
   */
  brokerLogin: BrokerCredentials;
  routerPort: number;
  routerAdminUrl: string;
  routerPid: number;
  /** Undefined when the rig was started without HAProxy. */
  haproxyPort: number | undefined;
  haproxyPid: number | undefined;
  routerLogFile: string;
  /** The edge broker's process, for CPU windows. */
  brokerSource(name: string): ProcessSource;
}

export interface RouterRigOptions {
  /**
   * The router policy document stored before the router starts (default: rates and quotas
   * off, so the relay is measured rather than the gate).
   */
  policy?: Record<string, unknown>;
  /** Start HAProxy with the same mTLS beside the router (default true). */
  haproxy?: boolean;
  /** The router's log level (default `warn`). */
  logLevel?: string;
}

/** A VIN-shaped vehicle id for bench vehicle n. */
export function benchVehicleId(n: number): string {
  return `RCBENCH${String(n).padStart(10, '0')}`;
}

export function benchVehicle(n: number): TestCertificate {
  return getTestPki().vehicle(benchVehicleId(n));
}

/** Rates and quotas off: the relay is measured, not the gate. */
/**
 * Rates and quotas off: the bench measures the relay, not the gate (one bench vehicle sends
 * far more messages per second than the per-vehicle rate lets a real one).
 */
export const OPEN_POLICY = {
  network: { connectsPerIp: { perSecond: 0 } },
  throttling: {
    connects: { perSecond: 0 },
    maxConnections: 0,
    messages: { upstream: { perSecond: 0 } },
  },
};

function findHaproxy(): string {
  const found = HAPROXY.find((path) => existsSync(path));
  if (!found) throw new Error('haproxy not found (Debian package "haproxy")');
  return found;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((res) => {
      const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${what} did not listen on ${port}`);
}

/** HAProxy in TCP mode terminating mTLS against the fleet CA and its CRL, one thread like Node. */
async function startHaproxy(
  dir: string,
  brokerPort: number,
): Promise<{ port: number; child: ChildProcess }> {
  const pki = getTestPki();
  const port = await freePort();
  const pem = join(dir, 'router.pem');
  writeFileSync(
    pem,
    readFileSync(pki.routerCertFile, 'utf8') + readFileSync(pki.routerKeyFile, 'utf8'),
    { mode: 0o600 },
  );
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 9000',
      '  nbthread 1',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 1h',
      '  timeout server 1h',
      'frontend vehicles',
      `  bind 127.0.0.1:${port} ssl crt ${pem} ca-file ${pki.caFile} crl-file ${pki.crlFile} verify required ssl-min-ver TLSv1.2`,
      '  default_backend edge',
      'backend edge',
      `  server edge1 127.0.0.1:${brokerPort}`,
      '',
    ].join('\n'),
  );
  const child = spawn(findHaproxy(), ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForPort(port, child, 'haproxy');
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
  return { port, child };
}

export async function startRouterRig(
  scope: CleanupScope,
  outDir: string,
  options: RouterRigOptions = {},
): Promise<RouterRig> {
  mkdirSync(outDir, { recursive: true });
  const { broker, source } = await startBenchBroker(scope, {
    id: 'bench-edge-1',
    dataDir: join(outDir, 'mosquitto'),
  });
  const database = await scenarioDatabase(scope, 'bench-router');
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(`INSERT INTO edge_pools (id, name) VALUES ('bench', 'bench')`);
    await client.query(`INSERT INTO edge_brokers (id, pool_id, url) VALUES ($1, 'bench', $2)`, [
      broker.id,
      broker.url,
    ]);
    await client.query(`INSERT INTO router_policies (document, created_by) VALUES ($1, 'bench')`, [
      JSON.stringify(options.policy ?? OPEN_POLICY),
    ]);
  } finally {
    await client.end();
  }

  const prefix = scenarioRedisPrefix(scope, 'bench-router');
  const pki = getTestPki();
  const [routerPort, adminPort] = [await freePort(), await freePort()];
  const logFile = join(outDir, 'router.log');
  const router = new AppProcess({
    app: 'router',
    workspace: WORKSPACE,
    env: {
      LOG_LEVEL: options.logLevel ?? 'warn',
      DATABASE_URL: database.url,
      REDIS_PREFIX: prefix,
      ROUTER_ID: 'bench-router',
      ROUTER_TLS_PORT: String(routerPort),
      ROUTER_ADMIN_PORT: String(adminPort),
      TLS_CA_FILE: pki.caFile,
      TLS_CERT_FILE: pki.routerCertFile,
      TLS_KEY_FILE: pki.routerKeyFile,
      TLS_CRL_FILE: pki.crlFile,
      ROUTER_BROKER_PASSWORD_FILE: platformPasswordFile('router'),
    },
    healthUrl: `http://127.0.0.1:${adminPort}/readyz`,
    logFile,
  });
  scope.defer('router', () => router.stop());
  await router.start();

  let haproxy: { port: number; child: ChildProcess } | undefined;
  if (options.haproxy !== false) {
    const started = await startHaproxy(outDir, broker.port);
    haproxy = started;
    scope.defer('haproxy', async () => {
      started.child.kill('SIGTERM');
      if (started.child.exitCode === null) await once(started.child, 'exit');
    });
  }
  return {
    broker,
    brokerLogin: broker.credentials('router'),
    routerPort,
    routerAdminUrl: `http://127.0.0.1:${adminPort}`,
    routerPid: router.pid!,
    haproxyPort: haproxy?.port,
    haproxyPid: haproxy?.child.pid,
    routerLogFile: logFile,
    brokerSource: (name) => source(name),
  };
}

/** An mTLS socket to a proxy, before any MQTT. */
export async function openTls(port: number, cert: TestCertificate): Promise<TLSSocket> {
  const socket = tlsConnect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: getTestPki().ca,
    key: cert.key,
    cert: cert.cert,
  });
  await once(socket, 'secureConnect');
  return socket;
}
