import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createDb, type Db } from '@roadcast/db';
import {
  bullConnection,
  createPipelineQueues,
  redisKeys,
  type PipelineQueues,
} from '@roadcast/queue';
import { EdgeTopology, PresenceStore, StickyAssignments } from '@roadcast/routing';
import type { SigningKey } from '@roadcast/signing';
import {
  resumeMaterializations,
  type MaterializationOptions,
  type PipelineDeps,
} from '@roadcast/campaigns';
import type { BrokerCredentials } from './broker-credentials.js';
import { BrokerLinks } from './broker-links.js';
import { BrokerResolver } from './broker-resolver.js';
import { createBridgeMetrics } from './bridge-metrics.js';
import type { BridgeContext } from './bridge-context.js';
import { CampaignStatusCache } from './campaign-status-cache.js';
import { NoticePublisher } from './notice-publisher.js';
import { ProgressEvents } from './progress-events.js';
import { startWorkers } from './workers.js';
import { startCampaignIngest, type CampaignIngest } from './ingest/campaign-ingest.js';

export interface BridgeOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  signingKey: SigningKey;
  logger: Logger;
  registry: Registry;
  fanoutBatchSize: number;
  concurrency: number;
  brokerConnections: number;
  brokerInflight: number;
  publishTimeoutMs: number;
  breakerFailureThreshold: number;
  breakerCooldownMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  statusCacheMs: number;
  /** The bridge's identity on edge brokers. */
  edgeCredentials?: BrokerCredentials;
  /** Core broker ingest; off when omitted. */
  ingest?: {
    url: string;
    topic: string;
    replyTopic: string;
    clientId: string;
    /** Overrides any credentials in the URL. */
    credentials?: BrokerCredentials;
  };
  /** Names this process's MQTT client ids. */
  instanceId?: string;
  /** Chunk sizes of background materialization (defaults suit production). */
  materialization?: MaterializationOptions;
}

export interface Bridge {
  db: Db;
  redis: Redis;
  queues: PipelineQueues;
  topology: EdgeTopology;
  ingest: CampaignIngest | undefined;
  /** Whether Postgres and Redis answer. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** The bridge's object graph: workers that publish notices, and the core broker ingest. */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const { logger } = options;
  const db = createDb(options.databaseUrl, { applicationName: 'roadcast-bridge' });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  const connection = bullConnection(options.redisUrl);
  const queues = createPipelineQueues(connection, options.prefix);

  const topology = new EdgeTopology(db);
  await topology.refresh();
  await subscriber.subscribe(redisKeys.topologyChanged(options.prefix));
  subscriber.on('message', () => {
    topology.refresh().catch((err: unknown) => logger.warn({ err }, 'topology refresh failed'));
  });
  const links = new BrokerLinks({
    connections: options.brokerConnections,
    inflight: options.brokerInflight,
    publishTimeoutMs: options.publishTimeoutMs,
    breakerFailureThreshold: options.breakerFailureThreshold,
    breakerCooldownMs: options.breakerCooldownMs,
    clientIdPrefix: `roadcast-bridge-${options.instanceId ?? process.pid}`,
    ...(options.edgeCredentials ? { credentials: options.edgeCredentials } : {}),
    logger,
    ackLatency: (brokerId) => {
      const histogram = metrics.puback.labels({ broker: brokerId });
      return (ms) => histogram.observe(ms / 1000);
    },
  });
  const metrics = createBridgeMetrics(options.registry, () => links, () => queues);
  const presence = new PresenceStore({ redis, prefix: options.prefix });
  const sticky = new StickyAssignments({
    db,
    redis,
    prefix: options.prefix,
    topology,
    onFallback: (source, vehicles) => metrics.routingFallbacks.inc({ source }, vehicles),
  });
  const publisher = new NoticePublisher({
    resolver: new BrokerResolver({
      topology,
      presence,
      sticky,
      onPresenceUnavailable: (vehicles) =>
        metrics.routingFallbacks.inc({ source: 'presence' }, vehicles),
    }),
    links,
    key: options.signingKey,
    metrics,
    logger,
    connectWaitMs: Math.min(2_000, options.publishTimeoutMs),
  });
  const pipeline: PipelineDeps = {
    pool: db.pool,
    queues,
    redis,
    prefix: options.prefix,
    fanoutBatchSize: options.fanoutBatchSize,
    logger,
    ...(options.materialization ? { materialization: options.materialization } : {}),
  };
  const progress = new ProgressEvents({ pool: db.pool, redis, prefix: options.prefix, logger });
  const ctx: BridgeContext = {
    pool: db.pool,
    publisher,
    statusCache: new CampaignStatusCache(db.pool, options.statusCacheMs),
    pipeline,
    progress,
    logger,
  };
  const workers: Worker[] = startWorkers(ctx, {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    retryBaseMs: options.retryBaseMs,
    retryMaxMs: options.retryMaxMs,
  });
  // Materializations a crashed create request or an exhausted job left unfinished.
  const resume = () =>
    resumeMaterializations(pipeline).catch((err: unknown) =>
      logger.warn({ err: (err as Error).message }, 'materialization resume check failed'),
    );
  await resume();
  const resumeTimer = setInterval(() => void resume(), 60_000);
  resumeTimer.unref();
  const ingest = options.ingest
    ? startCampaignIngest({
        url: options.ingest.url,
        topic: options.ingest.topic,
        defaultReplyTopic: options.ingest.replyTopic,
        clientId: options.ingest.clientId,
        ...(options.ingest.credentials ? { credentials: options.ingest.credentials } : {}),
        pipeline,
        logger,
      })
    : undefined;

  return {
    db,
    redis,
    queues,
    topology,
    ingest,
    async ready() {
      await Promise.all([db.pool.query('SELECT 1'), redis.ping()]);
      return true;
    },
    async close() {
      clearInterval(resumeTimer);
      await ingest?.close();
      await Promise.allSettled(workers.map((w) => w.close()));
      await progress.close();
      await links.close();
      await sticky.close();
      await queues.close();
      subscriber.disconnect();
      redis.disconnect();
      await db.close();
    },
  };
}
