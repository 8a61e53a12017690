/**
 * The router as its own OS process, for behaviour that is about the process: its resident
 * memory and the bytes of log it writes. Own database, Redis prefix and Mosquitto broker,
 * as in the in-process harness; `stop()` removes everything.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  createTestDatabase,
  freePort,
  getTestPki,
  platformPasswordFile,
  startMosquitto,
  uniquePrefix,
  type MosquittoBroker,
} from '@roadcast/testing';
import { AppProcess } from '@roadcast/local-stack';

const workspace = resolve(import.meta.dirname, '../../../..');

export interface RouterProcess {
  pid: number;
  tlsPort: number;
  broker: MosquittoBroker;
  /** Resident memory of the router process, in bytes. */
  rss(): number;
  /** Bytes the router has written to its log so far. */
  logBytes(): number;
  logLines(): Array<Record<string, unknown>>;
  /** One sample of a metric from /metrics (the sum over series matching the labels). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

export async function startRouterProcess(options: {
  policy: unknown;
  logLevel?: string;
}): Promise<RouterProcess> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse())
      await Promise.resolve(cleanup()).catch(() => undefined);
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'roadcast-router-process-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const database = await createTestDatabase({ label: 'router-process' });
    cleanups.push(() => database.drop());
    const broker = await startMosquitto({ id: 'edge-process', persistence: false });
    cleanups.push(() => broker.stop());
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`INSERT INTO edge_pools (id, name) VALUES ('pool-a', 'pool-a')`);
    await client.query(`INSERT INTO edge_brokers (id, pool_id, url) VALUES ($1, 'pool-a', $2)`, [
      broker.id,
      broker.url,
    ]);
    await client.query(`INSERT INTO router_policies (document, created_by) VALUES ($1, 'test')`, [
      JSON.stringify(options.policy),
    ]);
    await client.end();
    const prefix = uniquePrefix('router-process');
    cleanups.push(async () => {
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });
    const pki = getTestPki();
    const [tlsPort, adminPort] = [await freePort(), await freePort()];
    const logFile = join(dir, 'router.log');
    const router = new AppProcess({
      app: 'router',
      workspace,
      env: {
        LOG_LEVEL: options.logLevel ?? 'info',
        DATABASE_URL: database.url,
        REDIS_PREFIX: prefix,
        ROUTER_ID: 'router-process-test',
        ROUTER_TLS_PORT: String(tlsPort),
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
    await router.start();
    cleanups.push(() => router.stop());
    const pid = router.pid!;
    return {
      pid,
      tlsPort,
      broker,
      rss: () => {
        const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        return Number(kb) * 1024;
      },
      logBytes: () => statSync(logFile).size,
      logLines: () =>
        readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      async metric(name, labels = {}) {
        const text = await fetch(`http://127.0.0.1:${adminPort}/metrics`).then((r) => r.text());
        let sum = 0;
        for (const line of text.split('\n')) {
          const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
          if (!match || match[1] !== name) continue;
          const wanted = Object.entries(labels).every(([k, v]) =>
            (match[2] ?? '').includes(`${k}="${v}"`),
          );
          if (wanted) sum += Number(match[3]);
        }
        return sum;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
