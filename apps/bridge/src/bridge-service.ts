import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import { readSecretFile, type BridgeSettings } from '@roadcast/config';
import type { Db } from '@roadcast/db';
import { createSharedInfrastructure, type SharedInfrastructure } from '@roadcast/infrastructure';
import {
  closeInOrder,
  createLogger,
  createMetricsRegistry,
  startAdminServer,
  type RunningService,
  type ServiceDeps,
} from '@roadcast/observability';
import { bullConnection, PaceBuckets, type PipelineQueues } from '@roadcast/queue';
import type { EdgeTopology } from '@roadcast/routing';
import { loadSigningKey, type SigningKey } from '@roadcast/signing';
import {
  resumeMaterializations,
  type MaterializationOptions,
  type PipelineDeps,
} from '@roadcast/campaigns';
import { BrokerLinks } from './broker-links.js';
import { BrokerResolver } from './broker-resolver.js';
import { createBridgeMetrics } from './bridge-metrics.js';
import type { BridgeContext } from './bridge-context.js';
import { CampaignPacing } from './campaign-pacing.js';
import { CampaignStatusCache } from './campaign-status-cache.js';
import { NoticePublisher } from './notice-publisher.js';
import { ProgressEvents } from './progress-events.js';
import { startWorkers } from './workers.js';
import { startCampaignIngest, type CampaignIngest } from './ingest/campaign-ingest.js';

export interface BridgeDeps extends ServiceDeps {
  /** Built by the caller, who also closes it; the bridge builds its own when omitted. */
  infrastructure?: SharedInfrastructure;
  /** The notice-signing key; read from SIGNING_KEY_FILE when omitted. */
  signingKey?: SigningKey;
  /** Names this process's MQTT client ids (default: the process id). */
  instanceId?: string;
  /** Chunk sizes of background materialization (defaults suit production). */
  materialization?: MaterializationOptions;
}

export interface Bridge extends RunningService {
  db: Db;
  redis: Redis;
  queues: PipelineQueues;
  topology: EdgeTopology;
  ingest: CampaignIngest | undefined;
  /** Whether Postgres and Redis answer. */
  ready(): Promise<boolean>;
  /** Port of the admin endpoints (health, readiness, metrics). */
  adminPort: number;
}

/**
 * The bridge's composition root: workers that publish notices, the core broker ingest and
 * the admin server, on the shared infrastructure.
 */
export async function startBridge(
  settings: BridgeSettings,
  deps: BridgeDeps = {},
): Promise<Bridge> {
  const logger = deps.logger ?? createLogger({ service: 'bridge', level: settings.LOG_LEVEL });
  const registry = deps.registry ?? createMetricsRegistry('bridge');
  const signingKey =
    deps.signingKey ??
    loadSigningKey(readFileSync(settings.SIGNING_KEY_FILE, 'utf8'), settings.SIGNING_KEY_ID);
  const edgePassword = readSecretFile(settings.BRIDGE_EDGE_PASSWORD_FILE);
  const corePassword = readSecretFile(settings.CORE_BROKER_PASSWORD_FILE);
  const prefix = settings.REDIS_PREFIX;
  // Workers and the queues they feed on connections of their own that wait for Redis.
  const connection = bullConnection(settings.REDIS_URL);
  const infrastructure =
    deps.infrastructure ??
    (await createSharedInfrastructure({
      service: 'bridge',
      databaseUrl: settings.DATABASE_URL,
      redisUrl: settings.REDIS_URL,
      prefix,
      logger,
      redis: { maxRetriesPerRequest: null },
      queueConnection: connection,
      sticky: {
        onFallback: (source, vehicles) => metrics.routingFallbacks.inc({ source }, vehicles),
      },
    }));
  const { db, redis, queues, topology, presence, sticky } = infrastructure;
  const links = new BrokerLinks({
    connections: settings.BROKER_CONNECTIONS,
    inflight: settings.BROKER_INFLIGHT,
    publishTimeoutMs: settings.PUBLISH_TIMEOUT_MS,
    breakerFailureThreshold: settings.BREAKER_FAILURE_THRESHOLD,
    breakerCooldownMs: settings.BREAKER_COOLDOWN_MS,
    clientIdPrefix: `roadcast-bridge-${deps.instanceId ?? process.pid}`,
    credentials: {
      username: settings.BRIDGE_EDGE_USERNAME,
      ...(edgePassword === undefined ? {} : { password: Buffer.from(edgePassword) }),
    },
    logger,
    ackLatency: (brokerId) => {
      const histogram = metrics.puback.labels({ broker: brokerId });
      return (ms) => histogram.observe(ms / 1000);
    },
  });
  const metrics = createBridgeMetrics(
    registry,
    () => links,
    () => queues,
  );
  const publisher = new NoticePublisher({
    resolver: new BrokerResolver({
      topology,
      presence,
      sticky,
      onPresenceUnavailable: (vehicles) =>
        metrics.routingFallbacks.inc({ source: 'presence' }, vehicles),
    }),
    links,
    key: signingKey,
    metrics,
    logger,
    connectWaitMs: Math.min(2_000, settings.PUBLISH_TIMEOUT_MS),
  });
  const pipeline: PipelineDeps = {
    pool: db.pool,
    queues,
    redis,
    prefix,
    fanoutBatchSize: settings.FANOUT_BATCH_SIZE,
    logger,
    ...(deps.materialization ? { materialization: deps.materialization } : {}),
  };
  const progress = new ProgressEvents({ pool: db.pool, redis, prefix, logger });
  const ctx: BridgeContext = {
    pool: db.pool,
    publisher,
    statusCache: new CampaignStatusCache(db.pool, settings.CAMPAIGN_STATUS_CACHE_MS),
    pacing: new CampaignPacing({
      pool: db.pool,
      buckets: new PaceBuckets(redis, prefix),
      queues,
      cacheMs: settings.CAMPAIGN_STATUS_CACHE_MS,
    }),
    pipeline,
    progress,
    logger,
  };
  const workers: Worker[] = startWorkers(ctx, {
    connection,
    prefix,
    concurrency: settings.FANOUT_CONCURRENCY,
    retryBaseMs: settings.RETRY_BASE_MS,
    retryMaxMs: settings.RETRY_MAX_MS,
  });
  // Materializations a crashed create request or an exhausted job left unfinished.
  const resume = () =>
    resumeMaterializations(pipeline).catch((err: unknown) =>
      logger.warn({ err: (err as Error).message }, 'materialization resume check failed'),
    );
  await resume();
  const resumeTimer = setInterval(() => void resume(), 60_000);
  resumeTimer.unref();
  const ingest = settings.INGEST_ENABLED
    ? startCampaignIngest({
        url: settings.CORE_BROKER_URL,
        topic: settings.INGEST_TOPIC,
        defaultReplyTopic: settings.INGEST_REPLY_TOPIC,
        clientId: settings.INGEST_CLIENT_ID,
        ...(corePassword === undefined
          ? {}
          : {
              credentials: {
                username: settings.CORE_BROKER_USERNAME,
                password: Buffer.from(corePassword),
              },
            }),
        pipeline,
        logger,
      })
    : undefined;

  const ready = async () => {
    await Promise.all([db.pool.query('SELECT 1'), redis.ping()]);
    return true;
  };
  let stopping = false;
  const admin = await startAdminServer({
    host: settings.BRIDGE_ADMIN_HOST,
    port: settings.BRIDGE_ADMIN_PORT,
    registry,
    readiness: { dependencies: ready },
    isStopping: () => stopping,
  });
  logger.info({ adminPort: admin.port, keyId: signingKey.keyId }, 'started');

  return {
    db,
    redis,
    queues,
    topology,
    ingest,
    ready,
    adminPort: admin.port,
    close: () =>
      closeInOrder(logger, [
        {
          name: 'bridge',
          close: async () => {
            stopping = true;
            clearInterval(resumeTimer);
            await ingest?.close();
            await Promise.allSettled(workers.map((w) => w.close()));
            await progress.close();
            await links.close();
          },
        },
        // Queues, Redis and Postgres, unless the caller owns them.
        {
          name: 'infrastructure',
          close: () => (deps.infrastructure ? undefined : infrastructure.close()),
        },
        { name: 'admin server', close: () => admin.close() },
      ]),
  };
}
