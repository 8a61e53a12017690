/**
 * Roadcast's programs as real processes with production settings: their environment (own
 * database, Redis prefix, free ports, test certificates and signing keys), a launcher that can
 * put them on a read-only root filesystem, and the waits a test or a measurement needs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { writeSigningKeyFiles } from '@roadcast/signing';
import { freePort, getTestPki, uniquePrefix } from '@roadcast/testing';
import type { App } from './deploy-facts.js';

/** Root made read-only in a private mount namespace; /tmp stays writable, as in the images. */
const READ_ONLY_ROOT = 'mount --bind /tmp /tmp && mount -o remount,ro,bind / && exec "$@"';
const ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Whether this machine lets a test make `/` read-only for a child (root, mount namespaces). */
export const canIsolate =
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', READ_ONLY_ROOT, 'sh', 'true'])
    .status === 0;

export interface Launched {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
}

export function launch(
  command: string[],
  options: { cwd: string; env: Record<string, string>; readOnlyRoot?: boolean },
): Launched {
  const [file, ...args] = options.readOnlyRoot
    ? ['unshare', '-m', '--propagation', 'private', 'sh', '-c', READ_ONLY_ROOT, 'sh', ...command]
    : command;
  const child = spawn(file as string, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  return { child, output: () => output };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Polls `url` until it answers 200 or `timeoutMs` passes; returns the last status (0: no answer). */
export async function answers(url: string, timeoutMs: number, everyMs = 200): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (last === 200) return last;
    await sleep(everyMs);
  }
  return last;
}

export interface ProductionSettings {
  databaseUrl: string;
  /** Settings every program gets. */
  common: Record<string, string>;
  /** Each app's own settings. */
  env: Record<App, Record<string, string>>;
  healthPort: Record<App, number>;
  /** Drops the database and the Redis keys. */
  cleanUp(): Promise<void>;
}

/**
 * Settings for the four apps and the migration against the shared Postgres and Redis, isolated
 * by a database of their own (named so the test harness reaps it) and a Redis prefix. `dir` is
 * a writable folder for keys and HOME.
 */
export async function productionSettings(dir: string, label: string): Promise<ProductionSettings> {
  const database = `roadcast_test_${label}_p${process.pid}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = `postgresql://postgres@127.0.0.1:5432/${database}`;
  const common: Record<string, string> = {
    HOME: join(dir, 'home'),
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: uniquePrefix(label),
    LOG_LEVEL: 'warn',
    SHUTDOWN_GRACE_MS: '8000',
  };
  const pki = getTestPki();
  const key = await writeSigningKeyFiles(join(dir, 'signing'), `${label}-1`);
  const [api, bridge, tracker, router, routerTls] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const env: Record<App, Record<string, string>> = {
    api: {
      API_PORT: String(api),
      SIGNING_KEY_ID: `${label}-1`,
      SIGNING_PUBLIC_KEY_FILE: key.publicKeyFile,
    },
    bridge: {
      BRIDGE_ADMIN_PORT: String(bridge),
      SIGNING_KEY_FILE: key.privateKeyFile,
      SIGNING_KEY_ID: `${label}-1`,
      INGEST_ENABLED: 'false',
    },
    tracker: { TRACKER_ADMIN_PORT: String(tracker), TRACKER_INSTANCE_ID: `tracker-${label}` },
    router: {
      ROUTER_ID: `router-${label}`,
      ROUTER_ADMIN_PORT: String(router),
      ROUTER_TLS_PORT: String(routerTls),
      TLS_CA_FILE: pki.caFile,
      TLS_CRL_FILE: pki.crlFile,
      TLS_CERT_FILE: pki.routerCertFile,
      TLS_KEY_FILE: pki.routerKeyFile,
    },
  };
  const healthPort = {
    api: api as number,
    bridge: bridge as number,
    tracker: tracker as number,
    router: router as number,
  };
  return {
    databaseUrl,
    common,
    env,
    healthPort,
    async cleanUp() {
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
      const redis = new Redis(common.REDIS_URL as string);
      const keys = await redis.keys(`${common.REDIS_PREFIX}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}
