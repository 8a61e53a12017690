import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb, type Db } from '@roadcast/db';
import { bullConnection, createPipelineQueues, type PipelineQueues } from '@roadcast/queue';
import { getCampaignDetail } from '@roadcast/campaigns';
import { writeSigningKeyFiles } from '@roadcast/signing';
import {
  freePort,
  platformPasswordFile,
  uniquePrefix,
  type MosquittoBroker,
  type TestDatabase,
} from '@roadcast/testing';
import { AppProcess } from '@roadcast/local-stack';
import { scenarioDatabase, startBenchBroker } from '../runner/bench-services.js';
import type { CleanupScope } from '../runner/cleanup.js';
import { CpuMeter, type ProcessSource } from '../runner/process-cpu.js';
import {
  harnessSource,
  pidSource,
  postgresSources,
  REDIS_URL,
  redisSource,
} from '../runner/process-sources.js';
import { scenarioRedisPrefix } from '../runner/redis-keys.js';

/**
 * What the fan-out and API benchmarks share: a scratch database with a fleet of vehicles in
 * one edge pool, one Mosquitto edge broker, and the bridge and the API running as their own
 * processes, as in production. Everything is undone when the scenario's scope closes. This
 * file exports no scenario.
 */

const WORKSPACE = resolve(import.meta.dirname, '../../..');
/** Publishes in flight per connection, on both sides of the fan-out/raw comparison. */
export const INFLIGHT = 100;

export interface PipelineRig {
  database: TestDatabase;
  db: Db;
  prefix: string;
  broker: MosquittoBroker;
  queues: PipelineQueues;
  apiUrl: string;
  adminKey: string;
  /** Bridge, API, Postgres (cluster and the scenario's backends), Redis and the broker. */
  sources: ProcessSource[];
}

export interface RigOptions {
  label: string;
  outDir: string;
  vehicles: number;
  bridgeEnv?: Record<string, string>;
}

export async function startPipelineRig(
  scope: CleanupScope,
  options: RigOptions,
): Promise<PipelineRig> {
  await mkdir(options.outDir, { recursive: true });
  const database = await scenarioDatabase(scope, options.label);
  const db = createDb(database.url, { poolSize: 4 });
  scope.defer('database pool', () => db.close());
  const prefix = scenarioRedisPrefix(scope, options.label);
  const { broker, source: brokerSource } = await startBenchBroker(scope, {
    dataDir: join(options.outDir, 'mosquitto'),
    config: [`max_inflight_messages ${INFLIGHT}`],
  });
  const queues = createPipelineQueues(bullConnection(REDIS_URL), prefix);
  scope.defer('queues', () => queues.close());

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
  const app = (name: 'api' | 'bridge', env: Record<string, string>, healthUrl: string) => {
    const proc = new AppProcess({
      app: name,
      workspace: WORKSPACE,
      env: { ...common, ...env },
      healthUrl,
      logFile: join(options.outDir, `${name}.log`),
      startTimeoutMs: 60_000,
    });
    scope.defer(name, () => proc.stop(15_000));
    return proc;
  };
  const bridgeAdmin = await freePort();
  const bridge = app(
    'bridge',
    {
      BRIDGE_ADMIN_PORT: String(bridgeAdmin),
      BRIDGE_EDGE_PASSWORD_FILE: platformPasswordFile('bridge'),
      INGEST_ENABLED: 'false',
      BROKER_INFLIGHT: String(INFLIGHT),
      ...options.bridgeEnv,
    },
    `http://127.0.0.1:${bridgeAdmin}/readyz`,
  );
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const adminKey = `bench-admin-${uniquePrefix('key')}-${'k'.repeat(16)}`;
  const api = app(
    'api',
    { API_PORT: String(apiPort), ADMIN_API_KEY: adminKey, RATE_LIMIT_PER_SECOND: '1000000' },
    `${apiUrl}/readyz`,
  );
  await Promise.all([bridge.start(), api.start()]);

  const postgres = await postgresSources();
  scope.defer('postgres process watch', () => postgres.close());
  const sources: ProcessSource[] = [
    pidSource('bridge', bridge.pid, 'roadcast'),
    pidSource('api', api.pid, 'roadcast'),
    postgres.cluster,
    postgres.database(database.name),
    await redisSource(),
    brokerSource('mosquitto'),
    harnessSource(),
  ];
  return { database, db, prefix, broker, queues, apiUrl, adminKey, sources };
}

/** A meter over the rig's processes and any others (a load generator). */
export function rigMeter(rig: PipelineRig, ...more: ProcessSource[]): CpuMeter {
  return new CpuMeter([...rig.sources, ...more]);
}

/** POSTs a campaign through the API; returns its id and how long the answer took. */
export async function createCampaignThroughApi(
  rig: PipelineRig,
  body: unknown,
): Promise<{ id: string; answeredMs: number }> {
  const started = performance.now();
  const res = await fetch(`${rig.apiUrl}/v1/campaigns`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rig.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answeredMs = performance.now() - started;
  if (res.status !== 201)
    throw new Error(`campaign not created: ${res.status} ${await res.text()}`);
  return { id: ((await res.json()) as { id: string }).id, answeredMs };
}

/** Milestones of one campaign read from the platform's own counters, in ms from `startMs`. */
export interface CampaignMilestones {
  /** Every delivery row exists (the counters add up to the fleet). */
  materializedMs: number;
  /** The first delivery left `pending` (published or parked). */
  firstNoticeMs: number;
  /** Every delivery exists and none is pending. */
  allRecordedMs: number;
  counts: Record<string, number>;
}

/**
 * Polls the campaign's counters (what the API's status reads) until every one of `vehicles`
 * deliveries exists and left pending. It does not assume creation returned with every row
 * written: rows may still be streaming in while the first notices go out.
 */
export async function watchCampaign(
  db: Db,
  campaignId: string,
  vehicles: number,
  startMs: number,
  options: {
    /** Stop at materialized (a campaign scheduled for later). */
    untilMaterialized?: boolean;
    onProgress?(done: number, total: number): void;
    timeoutMs?: number;
  } = {},
): Promise<CampaignMilestones> {
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  let materializedMs = Number.NaN;
  let firstNoticeMs = Number.NaN;
  for (;;) {
    const detail = await getCampaignDetail(db.pool, campaignId);
    const at = performance.now() - startMs;
    if (!detail) throw new Error(`campaign ${campaignId} is gone`);
    const counts = detail.counts as unknown as Record<string, number>;
    const rows = Object.values(counts).reduce((s, n) => s + n, 0);
    const left = rows - counts.pending!;
    if (Number.isNaN(materializedMs) && rows >= vehicles) materializedMs = at;
    if (Number.isNaN(firstNoticeMs) && left > 0) firstNoticeMs = at;
    options.onProgress?.(options.untilMaterialized ? rows : left, vehicles);
    if (options.untilMaterialized && rows >= vehicles)
      return { materializedMs, firstNoticeMs, allRecordedMs: Number.NaN, counts };
    if (rows >= vehicles && counts.pending === 0)
      return { materializedMs, firstNoticeMs, allRecordedMs: at, counts };
    if (Date.now() > deadline)
      throw new Error(`campaign did not finish: ${rows} rows, ${JSON.stringify(counts)}`);
    // Fast until the first notice is out (a target in seconds), then gently: every poll is
    // Postgres work that the figures would count.
    await sleep(Number.isNaN(firstNoticeMs) ? 20 : 100);
  }
}

export const benchUpdate = {
  id: 'bench-image',
  version: '1.0.0',
  url: 'https://updates.example.com/bench/1.0.0.bin',
  sha256: 'e'.repeat(64),
  size: 1_000_000,
};

/** Removes a campaign and its deliveries, and leaves the table as the next measurement expects. */
export async function dropCampaign(rig: PipelineRig, campaignId: string): Promise<void> {
  await rig.db.pool.query('DELETE FROM campaigns WHERE id = $1', [campaignId]);
  await rig.db.pool.query('VACUUM ANALYZE deliveries');
}
