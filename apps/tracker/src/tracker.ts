import { applyAcks } from '@roadcast/campaigns';
import { readSecretFile, type TrackerSettings } from '@roadcast/config';
import {
  ACK_TOPIC_FILTER,
  FAILURE_DELIVERY_STATES,
  STATUS_TOPIC_FILTER,
} from '@roadcast/contracts';
import { createSharedInfrastructure, type SharedInfrastructure } from '@roadcast/infrastructure';
import {
  closeInOrder,
  createLogger,
  createMetricsRegistry,
  startAdminServer,
  type RunningService,
  type ServiceDeps,
} from '@roadcast/observability';
import { PaceBuckets, redisKeys } from '@roadcast/queue';
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

export interface TrackerDeps extends ServiceDeps {
  /** Built by the caller, who also closes it; the tracker builds its own when omitted. */
  infrastructure?: SharedInfrastructure;
}

export interface Tracker extends RunningService {
  /** Ready when Postgres answers and at least one edge broker is being consumed. */
  ready(): Promise<boolean>;
  /** Runs one timer pass now (tests and operators do not wait for the interval). */
  sweep(): Promise<void>;
  /** Port of the admin endpoints (health, readiness, metrics). */
  adminPort: number;
}

const PROGRESS_INTERVAL_MS = 1_000;

/**
 * The tracker's composition root: builds and starts its parts and the admin server; `close`
 * stops them in the reverse order.
 */
export async function startTracker(
  settings: TrackerSettings,
  deps: TrackerDeps = {},
): Promise<Tracker> {
  const logger = deps.logger ?? createLogger({ service: 'tracker', level: settings.LOG_LEVEL });
  const registry = deps.registry ?? createMetricsRegistry('tracker');
  const edgePassword = readSecretFile(settings.TRACKER_EDGE_PASSWORD_FILE);
  const infrastructure =
    deps.infrastructure ??
    (await createSharedInfrastructure({
      service: 'tracker',
      databaseUrl: settings.DATABASE_URL,
      redisUrl: settings.REDIS_URL,
      prefix: settings.REDIS_PREFIX,
      logger,
      redis: { maxRetriesPerRequest: null },
      topologyRefreshMs: settings.TRACKER_BROKER_REFRESH_MS,
    }));
  const { db, redis, prefix, queues, presence, topology } = infrastructure;
  const metrics = createTrackerMetrics(registry, db.pool);
  const streamRedis = redis.duplicate();
  // While Redis is away every command waits for it; the errors say why, once per attempt.
  streamRedis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis error'));
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
    topology,
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

  const ready = async () => {
    await db.pool.query('SELECT 1');
    return consumers.brokerCount === 0 || consumers.connectedBrokers().length > 0;
  };
  let stopping = false;
  const admin = await startAdminServer({
    host: settings.TRACKER_ADMIN_HOST,
    port: settings.TRACKER_ADMIN_PORT,
    registry,
    readiness: { tracker: ready },
    isStopping: () => stopping,
  });
  logger.info({ adminPort: admin.port, instanceId: settings.TRACKER_INSTANCE_ID }, 'started');

  return {
    ready,
    sweep: () => sweeper.sweep(),
    adminPort: admin.port,
    close: () =>
      closeInOrder(logger, [
        {
          name: 'tracker',
          close: async () => {
            stopping = true;
            // Stop taking acks first; what is in hand is committed and acknowledged before
            // the end.
            await consumers.close();
            await batcher.close();
            await statuses.close();
            await follower.close();
            await sweeper.close();
            await progress.close();
            rejections.close();
            streamRedis.disconnect();
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
