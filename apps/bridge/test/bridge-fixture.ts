import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createDb, type Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import { generateSigningKeyPair, loadSigningKey } from '@roadcast/signing';
import {
  getCampaignDetail,
  type MaterializationOptions,
  type PipelineDeps,
} from '@roadcast/campaigns';
import { BridgeSettings, loadConfig } from '@roadcast/config';
import type { CampaignDetail } from '@roadcast/contracts';
import {
  createTestDatabase,
  platformCredentials,
  platformPasswordFile,
  startMosquitto,
  uniquePrefix,
  type MosquittoBroker,
  type TestDatabase,
} from '@roadcast/testing';
import { startBridge, type Bridge } from '../src/bridge-service.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface PoolFixture {
  poolId: string;
  brokerId: string;
  broker: MosquittoBroker;
}

export interface BridgeFixture {
  database: TestDatabase;
  db: Db;
  redis: Redis;
  prefix: string;
  pools: PoolFixture[];
  bridge: Bridge;
  registry: Registry;
  pipeline: PipelineDeps;
  keyId: string;
  publicKeyPem: string;
  close(): Promise<void>;
}

/** A database, two single-broker edge pools, and a bridge in this process. */
export async function startBridgeFixture(
  label: string,
  overrides: {
    /** Settings as the environment gives them, over the fixture's. */
    settings?: Record<string, string>;
    materialization?: MaterializationOptions;
  } = {},
  poolCount = 2,
): Promise<BridgeFixture> {
  const database = await createTestDatabase(label);
  const db = createDb(database.url);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = uniquePrefix(label);
  const pools: PoolFixture[] = [];
  for (let i = 0; i < poolCount; i += 1) {
    const poolId = `pool-${String.fromCharCode(97 + i)}`;
    const brokerId = `${poolId}-1`;
    const broker = await startMosquitto({ id: brokerId });
    pools.push({ poolId, brokerId, broker });
    await db.pool.query('INSERT INTO edge_pools (id, name, updated_at) VALUES ($1, $1, now())', [
      poolId,
    ]);
    await db.pool.query(
      'INSERT INTO edge_brokers (id, pool_id, url, updated_at) VALUES ($1, $2, $3, now())',
      [brokerId, poolId, broker.url],
    );
  }
  const pair = generateSigningKeyPair(`test-${label}`);
  const registry = new Registry();
  const settings = loadConfig(BridgeSettings, {
    env: {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      BRIDGE_ADMIN_PORT: '0',
      FANOUT_BATCH_SIZE: '100',
      FANOUT_CONCURRENCY: '4',
      BROKER_CONNECTIONS: '2',
      BROKER_INFLIGHT: '100',
      PUBLISH_TIMEOUT_MS: '3000',
      BREAKER_FAILURE_THRESHOLD: '2',
      BREAKER_COOLDOWN_MS: '500',
      RETRY_BASE_MS: '200',
      RETRY_MAX_MS: '1000',
      CAMPAIGN_STATUS_CACHE_MS: '200',
      BRIDGE_EDGE_PASSWORD_FILE: platformPasswordFile('bridge'),
      ...overrides.settings,
    },
  });
  const bridge = await startBridge(settings, {
    signingKey: loadSigningKey(pair.privateKeyPem, pair.keyId),
    logger: createLogger({
      service: 'bridge',
      level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent',
    }),
    registry,
    instanceId: prefix,
    ...(overrides.materialization ? { materialization: overrides.materialization } : {}),
  });
  const pipeline: PipelineDeps = {
    pool: db.pool,
    queues: bridge.queues,
    redis,
    prefix,
    fanoutBatchSize: 100,
  };
  return {
    database,
    db,
    redis,
    prefix,
    pools,
    bridge,
    registry,
    pipeline,
    keyId: pair.keyId,
    publicKeyPem: pair.publicKeyPem,
    async close() {
      await bridge.close();
      await bridge.queues.notices.obliterate({ force: true }).catch(() => undefined);
      await Promise.all(pools.map((p) => p.broker.stop()));
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await db.close();
      await database.drop();
    },
  };
}

/** Registers vehicles `${tag}000001…` spread round-robin over the pools (their sticky pool). */
export async function registerVehicles(
  f: BridgeFixture,
  tag: string,
  count: number,
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${tag}${String(i + 1).padStart(6, '0')}`);
  await f.db.pool.query(
    `INSERT INTO vehicles (id, model, region, software_version, tags, pool_id)
     SELECT v.id, 'sedan', 'eu', '1.0.0', ARRAY[$3::text], v.pool
     FROM unnest($1::text[], $2::text[]) AS v(id, pool)`,
    [ids, ids.map((_, i) => f.pools[i % f.pools.length]!.poolId), tag],
  );
  return ids;
}

/** One persistent MQTT 5 session subscribed to the notice topics of some vehicles. */
export class SessionObserver {
  readonly messages: IPublishPacket[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (_topic, _payload, packet) => this.messages.push(packet));
  }

  static async open(url: string, vehicleIds: readonly string[]): Promise<SessionObserver> {
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 5,
      ...platformCredentials().observer,
      clientId: uniquePrefix('observer'),
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 200,
    });
    const observer = new SessionObserver(client);
    for (let i = 0; i < vehicleIds.length; i += 200) {
      await client.subscribeAsync(
        vehicleIds.slice(i, i + 200).map((id) => `vehicles/${id}/ota/notices`),
        { qos: 1 },
      );
    }
    return observer;
  }

  forTopic(topic: string): IPublishPacket[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Polls until `done` holds for the campaign's detail, or fails after `timeoutMs`. */
export async function waitForCampaign(
  f: BridgeFixture,
  campaignId: string,
  done: (c: CampaignDetail) => boolean,
  timeoutMs = 60_000,
): Promise<CampaignDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const detail = await getCampaignDetail(f.db.pool, campaignId);
    if (detail && done(detail)) return detail;
    if (Date.now() > deadline) {
      throw new Error(
        `campaign ${campaignId} did not reach the expected state: ${JSON.stringify(detail?.counts)}`,
      );
    }
    await sleep(100);
  }
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export const testUpdate = {
  id: 'telematics',
  version: '7.1.0',
  url: 'https://updates.example.com/telematics/7.1.0.bin',
  sha256: 'c'.repeat(64),
  size: 123_456,
};
