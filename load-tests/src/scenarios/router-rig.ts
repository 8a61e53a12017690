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
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  AppProcess,
  createTestDatabase,
  freePort,
  getTestPki,
  startMosquitto,
  uniquePrefix,
  type MosquittoBroker,
  type TestCertificate,
} from '@roadcast/testing';

const WORKSPACE = resolve(import.meta.dirname, '../../..');
const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'];

export interface RouterRig {
  broker: MosquittoBroker;
  routerPort: number;
  haproxyPort: number;
  routerPid: number;
  haproxyPid: number;
  stop(): Promise<void>;
}

/** A VIN-shaped vehicle id for bench vehicle n. */
export function benchVehicleId(n: number): string {
  return `RCBENCH${String(n).padStart(10, '0')}`;
}

export function benchVehicle(n: number): TestCertificate {
  return getTestPki().vehicle(benchVehicleId(n));
}

/** Resident memory of a process in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

// Linux reports process times in USER_HZ, 100 on every mainstream architecture.
const CLOCK_TICKS_PER_SECOND = 100;

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

export async function startRouterRig(outDir: string): Promise<RouterRig> {
  mkdirSync(outDir, { recursive: true });
  const broker = await startMosquitto({
    id: 'bench-edge-1',
    persistence: false,
    dataDir: join(outDir, 'mosquitto'),
  });
  const cleanups: Array<() => Promise<void>> = [() => broker.stop()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const database = await createTestDatabase({ label: 'bench-router' });
    cleanups.push(() => database.drop());
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`INSERT INTO edge_pools (id, name) VALUES ('bench', 'bench')`);
    await client.query(`INSERT INTO edge_brokers (id, pool_id, url) VALUES ($1, 'bench', $2)`, [
      broker.id,
      broker.url,
    ]);
    // Rates and quotas off: the bench measures the relay, not the gate (one bench vehicle
    // sends far more messages per second than the per-vehicle rate lets a real one).
    const policy = {
      network: { connectsPerIp: { perSecond: 0 } },
      throttling: {
        connects: { perSecond: 0 },
        maxConnections: 0,
        messages: { upstream: { perSecond: 0 } },
      },
    };
    await client.query(`INSERT INTO router_policies (document, created_by) VALUES ($1, 'bench')`, [
      JSON.stringify(policy),
    ]);
    await client.end();

    const prefix = uniquePrefix('bench-router');
    cleanups.push(async () => {
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });
    const pki = getTestPki();
    const [routerPort, adminPort] = [await freePort(), await freePort()];
    const router = new AppProcess({
      app: 'router',
      workspace: WORKSPACE,
      env: {
        LOG_LEVEL: 'warn',
        DATABASE_URL: database.url,
        REDIS_PREFIX: prefix,
        ROUTER_ID: 'bench-router',
        ROUTER_TLS_PORT: String(routerPort),
        ROUTER_ADMIN_PORT: String(adminPort),
        TLS_CA_FILE: pki.caFile,
        TLS_CERT_FILE: pki.routerCertFile,
        TLS_KEY_FILE: pki.routerKeyFile,
        TLS_CRL_FILE: pki.crlFile,
      },
      healthUrl: `http://127.0.0.1:${adminPort}/readyz`,
      logFile: join(outDir, 'router.log'),
    });
    await router.start();
    cleanups.push(() => router.stop());

    const haproxy = await startHaproxy(outDir, broker.port);
    cleanups.push(async () => {
      haproxy.child.kill('SIGTERM');
      if (haproxy.child.exitCode === null) await once(haproxy.child, 'exit');
    });
    return {
      broker,
      routerPort,
      haproxyPort: haproxy.port,
      routerPid: router.pid!,
      haproxyPid: haproxy.child.pid!,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
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
