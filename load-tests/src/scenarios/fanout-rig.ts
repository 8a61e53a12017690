import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createDb, type Db } from '@roadcast/db';
import { bullConnection, createPipelineQueues } from '@roadcast/queue';
import { getCampaignDetail, type PipelineDeps } from '@roadcast/campaigns';
import type { CampaignDetail } from '@roadcast/contracts';
import { writeSigningKeyFiles } from '@roadcast/signing';
import {
  createTestDatabase,
  freePort,
  startMosquitto,
  uniquePrefix,
  type MosquittoBroker,
  type TestDatabase,
} from '@roadcast/testing';

/**
 * What the fan-out and API benchmarks share: a scratch database with a fleet of vehicles in
 * one edge pool, one Mosquitto edge broker, and the bridge (and optionally the API) running
 * as their own processes, as in production. This file exports no scenario.
 */

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKSPACE = resolve(import.meta.dirname, '../../..');
/** Publishes in flight per connection, on both sides of the fan-out/raw comparison. */
export const INFLIGHT = 100;

export interface PipelineRig {
  database: TestDatabase;
  db: Db;
  redis: Redis;
  prefix: string;
  broker: MosquittoBroker;
  pipeline: PipelineDeps;
  apiUrl: string | undefined;
  adminKey: string;
  close(): Promise<void>;
}

export interface RigOptions {
  label: string;
  outDir: string;
  vehicles: number;
  withApi?: boolean;
  bridgeEnv?: Record<string, string>;
}

async function waitReady(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${what} did not become ready`);
}

function startApp(
  app: 'api' | 'bridge',
  env: Record<string, string>,
  logFile: string,
): ChildProcess {
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
    cwd: WORKSPACE,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

async function stopApp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

export async function startPipelineRig(options: RigOptions): Promise<PipelineRig> {
  await mkdir(options.outDir, { recursive: true });
  const database = await createTestDatabase(options.label);
  const db = createDb(database.url, { poolSize: 4 });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = uniquePrefix(options.label);
  const children: ChildProcess[] = [];
  const broker = await startMosquitto({
    persistence: false,
    dataDir: join(options.outDir, 'mosquitto'),
    config: [`max_inflight_messages ${INFLIGHT}`],
  });
  const queues = createPipelineQueues(bullConnection(REDIS_URL), prefix);
  const close = async () => {
    await Promise.all(children.map(stopApp));
    await queues.notices.obliterate({ force: true }).catch(() => undefined);
    await queues.campaigns.obliterate({ force: true }).catch(() => undefined);
    await queues.close();
    await broker.stop();
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    redis.disconnect();
    await db.close();
    await database.drop();
  };
  try {
    await db.pool.query(
      `INSERT INTO edge_pools (id, name, updated_at) VALUES ('bench', 'bench', now())`,
    );
    await db.pool.query(
      `INSERT INTO edge_brokers (id, pool_id, url, updated_at) VALUES ('bench-1', 'bench', $1, now())`,
      [broker.url],
    );
    await db.pool.query(
      `INSERT INTO vehicles (id, model, region, software_version, tags, pool_id)
       SELECT 'BV' || lpad(g::text, 9, '0'), 'bench', 'eu', '1.0.0', ARRAY['bench'], 'bench'
       FROM generate_series(1, $1::int) g`,
      [options.vehicles],
    );
    await db.pool.query('ANALYZE vehicles');
    const key = await writeSigningKeyFiles(join(options.outDir, 'signing'), 'bench-1');
    const common = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      SIGNING_KEY_FILE: key.privateKeyFile,
      SIGNING_KEY_ID: key.keyId,
      SIGNING_PUBLIC_KEY_FILE: key.publicKeyFile,
    };
    const bridgeAdmin = await freePort();
    const bridge = startApp(
      'bridge',
      {
        ...common,
        BRIDGE_ADMIN_PORT: String(bridgeAdmin),
        INGEST_ENABLED: 'false',
        BROKER_INFLIGHT: String(INFLIGHT),
        ...options.bridgeEnv,
      },
      join(options.outDir, 'bridge.log'),
    );
    children.push(bridge);
    await waitReady(`http://127.0.0.1:${bridgeAdmin}/readyz`, bridge, 'bridge');
    const adminKey = `bench-admin-${uniquePrefix('key')}-${'k'.repeat(16)}`;
    let apiUrl: string | undefined;
    if (options.withApi) {
      const apiPort = await freePort();
      const api = startApp(
        'api',
        {
          ...common,
          API_PORT: String(apiPort),
          ADMIN_API_KEY: adminKey,
          RATE_LIMIT_PER_SECOND: '1000000',
        },
        join(options.outDir, 'api.log'),
      );
      children.push(api);
      apiUrl = `http://127.0.0.1:${apiPort}`;
      await waitReady(`${apiUrl}/readyz`, api, 'api');
    }
    const pipeline: PipelineDeps = { pool: db.pool, queues, redis, prefix, fanoutBatchSize: 500 };
    return { database, db, redis, prefix, broker, pipeline, apiUrl, adminKey, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function pollCampaign(
  db: Db,
  campaignId: string,
  done: (detail: CampaignDetail) => boolean,
  timeoutMs: number,
  onProgress?: (detail: CampaignDetail) => void,
): Promise<CampaignDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const detail = await getCampaignDetail(db.pool, campaignId);
    if (!detail) throw new Error(`campaign ${campaignId} is gone`);
    onProgress?.(detail);
    if (done(detail)) return detail;
    if (Date.now() > deadline)
      throw new Error(`campaign did not get there: ${JSON.stringify(detail.counts)}`);
    await sleep(50);
  }
}

/**
 * Polls the campaign's counters until every delivery is written and none is pending (large
 * targets are written in the background); returns the detail at that moment.
 */
export function waitUntilPublished(
  db: Db,
  campaignId: string,
  onProgress?: (done: number, total: number) => void,
  timeoutMs = 30 * 60_000,
): Promise<CampaignDetail> {
  return pollCampaign(
    db,
    campaignId,
    (d) => d.counts.pending === 0 && d.materialization.state !== 'materializing',
    timeoutMs,
    (d) => onProgress?.(d.total - d.counts.pending, d.total),
  );
}

/** Polls until the campaign's deliveries are all written; returns the detail then. */
export function waitUntilMaterialized(
  db: Db,
  campaignId: string,
  timeoutMs = 30 * 60_000,
): Promise<CampaignDetail> {
  return pollCampaign(
    db,
    campaignId,
    (d) => d.materialization.state !== 'materializing',
    timeoutMs,
  );
}

export const benchUpdate = {
  id: 'bench-image',
  version: '1.0.0',
  url: 'https://updates.example.com/bench/1.0.0.bin',
  sha256: 'e'.repeat(64),
  size: 1_000_000,
};
