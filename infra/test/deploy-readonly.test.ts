import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { writeSigningKeyFiles } from '@roadcast/signing';
import { freePort, getTestPki, uniquePrefix } from '@roadcast/testing';
import { repoRoot, type App } from './deploy-facts.js';

/**
 * The images' promise, kept on this machine: with the root filesystem read-only and only /tmp
 * writable (a private mount namespace), the migration runs and every app starts, answers its
 * health endpoints and stops cleanly on SIGTERM. Needs root for the namespace.
 */
const READ_ONLY_ROOT = 'mount --bind /tmp /tmp && mount -o remount,ro,bind / && exec "$@"';
const canIsolate =
  process.getuid?.() === 0 &&
  spawnSync('unshare', [
    '-m',
    '--propagation',
    'private',
    'sh',
    '-c',
    `${READ_ONLY_ROOT}`,
    'sh',
    'true',
  ]).status === 0;

const ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

function readOnly(command: string[], env: Record<string, string>): ChildProcess {
  return spawn(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', READ_ONLY_ROOT, 'sh', ...command],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function answers(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (last === 200) return last;
    await sleep(200);
  }
  return last;
}

describe(
  'apps on a read-only root filesystem',
  { skip: canIsolate ? false : 'needs root and mount namespaces', timeout: 180_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'roadcast-deploy-rofs-'));
    // The test-database prefix and pid, so the harness reaps it if this process dies first.
    const database = `roadcast_test_rofs_p${process.pid}_${randomBytes(4).toString('hex')}`;
    const databaseUrl = `postgresql://postgres@127.0.0.1:5432/${database}`;
    const common: Record<string, string> = {
      HOME: join(dir, 'home'),
      NPM_CONFIG_CACHE: join(dir, 'home/npm-cache'),
      NPM_CONFIG_UPDATE_NOTIFIER: 'false',
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: uniquePrefix('rofs'),
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_MS: '8000',
    };
    const env: Partial<Record<App, Record<string, string>>> = {};
    const healthPorts: Partial<Record<App, number>> = {};

    before(async () => {
      const pki = getTestPki();
      const key = await writeSigningKeyFiles(join(dir, 'signing'), 'rofs-1');
      const [api, bridge, tracker, router, routerTls] = await Promise.all([
        freePort(),
        freePort(),
        freePort(),
        freePort(),
        freePort(),
      ]);
      healthPorts.api = api as number;
      healthPorts.bridge = bridge as number;
      healthPorts.tracker = tracker as number;
      healthPorts.router = router as number;
      env.api = {
        API_PORT: String(api),
        SIGNING_KEY_ID: 'rofs-1',
        SIGNING_PUBLIC_KEY_FILE: key.publicKeyFile,
      };
      env.bridge = {
        BRIDGE_ADMIN_PORT: String(bridge),
        SIGNING_KEY_FILE: key.privateKeyFile,
        SIGNING_KEY_ID: 'rofs-1',
        INGEST_ENABLED: 'false',
      };
      env.tracker = { TRACKER_ADMIN_PORT: String(tracker), TRACKER_INSTANCE_ID: 'tracker-rofs' };
      env.router = {
        ROUTER_ID: 'router-rofs',
        ROUTER_ADMIN_PORT: String(router),
        ROUTER_TLS_PORT: String(routerTls),
        TLS_CA_FILE: pki.caFile,
        TLS_CRL_FILE: pki.crlFile,
        TLS_CERT_FILE: pki.routerCertFile,
        TLS_KEY_FILE: pki.routerKeyFile,
      };
    });

    after(async () => {
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
      const redis = new Redis(common.REDIS_URL as string);
      const keys = await redis.keys(`${common.REDIS_PREFIX}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    });

    it('migrates with npm run db:migrate', async () => {
      const child = readOnly(['npm', 'run', 'db:migrate'], common);
      let output = '';
      child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
      assert.equal(await exited(child), 0, output);
      assert.match(output, /Applied \d+ migration/);
    });

    for (const app of ['api', 'tracker', 'bridge', 'router'] as const) {
      it(`${app} starts, is ready and stops on SIGTERM`, async () => {
        const child = readOnly(['node', '--import', 'tsx', `apps/${app}/src/main.ts`], {
          ...common,
          ...env[app],
        });
        let output = '';
        child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
        child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
        try {
          const base = `http://127.0.0.1:${healthPorts[app]}`;
          assert.equal(await answers(`${base}/readyz`, 60_000), 200, `${app} /readyz\n${output}`);
          assert.equal(await answers(`${base}/healthz`, 1_000), 200);
          assert.doesNotMatch(output, /EROFS|read-only file system/i, output);
        } finally {
          child.kill('SIGTERM');
        }
        assert.equal(await exited(child), 0, `${app} exit code after SIGTERM\n${output}`);
      });
    }
  },
);
