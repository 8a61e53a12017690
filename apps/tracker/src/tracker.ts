import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { applyAcks } from '@roadcast/campaigns';
import { readSecretFile, type TrackerSettings } from '@roadcast/config';
import {
  ACK_TOPIC_FILTER,
  FAILURE_DELIVERY_STATES,
  STATUS_TOPIC_FILTER,
} from '@roadcast/contracts';
import { createDb } from '@roadcast/db';
import type { Logger } from '@roadcast/observability';
import { createPipelineQueues, PaceBuckets, redisKeys } from '@roadcast/queue';
import { EdgeTopology, PresenceStore } from '@roadcast/routing';
import { AckBatcher } from './ingest/ack-batcher.js';
import { AckRejections } from './ingest/ack-rejections.js';
import { EdgeConsumers } from './ingest/edge-consumers.js';
import { parseAck } from './ingest/parse-ack.js';
import { isStatusTopic } from './ingest/parse-status.js';
import { StatusIngestion } from './ingest/status-ingestion.js';
import { ProgressEvents } from './progress/progress-events.js';
import { PresenceFollower } from './reconcile/presence-follower.js';
import { createReconnectReconciler } from './reconcile/reconnect-reconciler.js';
import { ResendPacer } from './reconcile/resend-pacer.js';
import { Sweeper } from './sweeps/sweeper.js';
import { createTrackerMetrics } from './tracker-metrics.js';

export interface Tracker {
  /** Ready when Postgres answers and at least one edge broker is being consumed. */
  ready(): Promise<boolean>;
  /** Runs one timer pass now (tests and operators do not wait for the interval). */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

const PROGRESS_INTERVAL_MS = 1_000;

/** Builds and starts the tracker's parts; `close` stops them in the reverse order. */
export async function startTracker(
  settings: TrackerSettings,
  logger: Logger,
  registry: Registry,
): Promise<Tracker> {
  const edgePassword = readSecretFile(settings.TRACKER_EDGE_PASSWORD_FILE);
  const db = createDb(settings.DATABASE_URL, { applicationName: 'roadcast-tracker' });
  const metrics = createTrackerMetrics(registry, db.pool);
  const redis = new Redis(settings.REDIS_URL, { maxRetriesPerRequest: null });
  const streamRedis = redis.duplicate();
  // While Redis is away every command waits for it; the errors say why, once per attempt.
  for (const client of [redis, streamRedis])
    client.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis error'));
  const prefix = settings.REDIS_PREFIX;
  const queues = createPipelineQueues(redis, prefix);
  const presence = new PresenceStore({ redis, prefix });
  const resendPacer =
    settings.TRACKER_RESEND_PER_BROKER_PER_S > 0
      ? new ResendPacer({
          buckets: new PaceBuckets(redis, prefix),
          perSecond: settings.TRACKER_RESEND_PER_BROKER_PER_S,
          burst: settings.TRACKER_RESEND_BURST,
          paced: metrics.resendsPaced,
        })
      : undefined;

  const progress = new ProgressEvents({
    pool: db.pool,
    redis,
    prefix,
    logger,
    intervalMs: PROGRESS_INTERVAL_MS,
  });
  const rejections = new AckRejections({ logger, ignored: metrics.acksIgnored });
  const batcher = new AckBatcher({
    batchSize: settings.TRACKER_BATCH_SIZE,
    flushIntervalMs: settings.TRACKER_FLUSH_INTERVAL_MS,
    concurrency: settings.TRACKER_CONCURRENT_BATCHES,
    logger,
    apply: async (acks) => {
      const stop = metrics.batchSeconds.startTimer();
      try {
        return await applyAcks(db.pool, acks);
      } finally {
        stop();
      }
    },
    onApplied: (applied, size, acks) => {
      metrics.acksApplied.inc(applied.length);
      metrics.batchSize.observe(size);
      for (const a of applied) {
        if (a.ackLatencySeconds !== null) metrics.ackLatency.observe(a.ackLatencySeconds);
      }
      rejections.unapplied(acks, applied);
      progress.markChanged(new Set(applied.map((a) => a.campaignId)));
      for (const a of applied) {
        if (FAILURE_DELIVERY_STATES.includes(a.state)) {
          logger.info(
            {
              vehicleId: a.vehicleId,
              campaignId: a.campaignId,
              noticeId: a.noticeId,
              state: a.state,
            },
            'delivery ended unsuccessfully',
          );
        }
      }
    },
  });
  const statuses = new StatusIngestion({
    pool: db.pool,
    batchSize: settings.TRACKER_BATCH_SIZE,
    flushIntervalMs: settings.TRACKER_FLUSH_INTERVAL_MS,
    metrics,
    logger,
    onChanged: (campaignIds) => progress.markChanged(campaignIds),
  });
  const consumers = new EdgeConsumers({
    topology: new EdgeTopology(db),
    instanceId: settings.TRACKER_INSTANCE_ID,
    credentials: {
      username: settings.TRACKER_EDGE_USERNAME,
      ...(edgePassword === undefined ? {} : { password: Buffer.from(edgePassword) }),
    },
    shareGroup: settings.TRACKER_SHARE_GROUP,
    ackFilter: ACK_TOPIC_FILTER,
    statusFilter: STATUS_TOPIC_FILTER,
    connectionsPerBroker: settings.TRACKER_CONNECTIONS_PER_BROKER,
    sessionExpirySeconds: settings.TRACKER_SESSION_EXPIRY_S,
    receiveMaximum: settings.TRACKER_RECEIVE_MAXIMUM,
    refreshMs: settings.TRACKER_BROKER_REFRESH_MS,
    logger,
    onAck: (incoming) => {
      if (isStatusTopic(incoming.topic)) {
        statuses.add(incoming);
        return;
      }
      metrics.acksReceived.inc({ broker: incoming.brokerId });
      const parsed = parseAck(incoming.topic, incoming.payload);
      if (!parsed.ok) {
        // Nothing to retry: the broker may forget it.
        rejections.invalid(parsed.problem, incoming.topic, incoming.brokerId);
        incoming.release();
        return;
      }
      batcher.add({ ack: parsed.ack, release: incoming.release });
    },
  });
  const follower = new PresenceFollower({
    redis: streamRedis,
    stream: redisKeys.presenceEvents(prefix),
    group: settings.TRACKER_SHARE_GROUP,
    consumer: settings.TRACKER_INSTANCE_ID,
    batchSize: settings.TRACKER_RECONNECT_BATCH,
    handle: createReconnectReconciler({
      pool: db.pool,
      queues,
      metrics,
      logger,
      ...(resendPacer ? { pacer: resendPacer } : {}),
    }),
    logger,
  });
  const sweeper = new Sweeper({
    pool: db.pool,
    redis,
    prefix,
    queues,
    presence,
    metrics,
    logger,
    intervalMs: settings.TRACKER_SWEEP_INTERVAL_MS,
    retryDelayMs: settings.TRACKER_RETRY_DELAY_MS,
    retryMaxAttempts: settings.TRACKER_RETRY_MAX_ATTEMPTS,
    silentAfterMs: settings.TRACKER_SILENT_AFTER_MS,
    fanoutBatchSize: settings.FANOUT_BATCH_SIZE,
    sweepStretch: settings.TRACKER_SWEEP_STRETCH,
    estimateIntervalMs: settings.TRACKER_ESTIMATE_INTERVAL_MS,
    onChanged: (campaignIds) => progress.markChanged(campaignIds),
    ...(resendPacer ? { resendPacer } : {}),
    onBoots: (boots) => statuses.reportBoots(boots),
  });

  await consumers.start();
  await follower.start();
  progress.start();
  sweeper.start();

  return {
    async ready() {
      await db.pool.query('SELECT 1');
      return consumers.brokerCount === 0 || consumers.connectedBrokers().length > 0;
    },
    sweep: () => sweeper.sweep(),
    async close() {
      // Stop taking acks first; what is in hand is committed and acknowledged before the end.
      await consumers.close();
      await batcher.close();
      await statuses.close();
      await follower.close();
      await sweeper.close();
      await progress.close();
      rejections.close();
      await queues.close();
      streamRedis.disconnect();
      await redis.quit().catch(() => undefined);
      await db.close();
    },
  };
}
