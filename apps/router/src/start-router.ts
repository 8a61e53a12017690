import type { RouterSettings } from '@roadcast/config';
import { readSecretFile } from '@roadcast/config';
import {
  createSharedInfrastructure,
  redisReady,
  type SharedInfrastructure,
} from '@roadcast/infrastructure';
import {
  closeInOrder,
  createLogger,
  createMetricsRegistry,
  startAdminServer,
  type RunningService,
  type ServiceDeps,
} from '@roadcast/observability';
import { TokenBucket } from '@roadcast/policy';
import { redisKeys } from '@roadcast/queue';
import { PresenceWriter } from '@roadcast/routing';
import { BrokerHealth } from './broker-health.js';
import { ConnectionGate } from './connection-gate.js';
import { DrainController } from './drain-controller.js';
import { createRouterMetrics } from './metrics.js';
import { PolicySource } from './policy-source.js';
import { PolicyState } from './policy-state.js';
import { VehicleRouter } from './router.js';
import type { RouterContext } from './router-context.js';
import { TlsReloader, readTlsFiles, type TlsFiles } from './tls-files.js';
import type { IdentitySource } from './vehicle-identity.js';

export interface RouterDeps extends ServiceDeps {
  /** Built by the caller, who also closes it; the router builds its own when omitted. */
  infrastructure?: SharedInfrastructure;
  /** How soon queued presence changes are tried again after a Redis failure (default 1 s). */
  presenceRetryMs?: number;
}

export interface RunningRouter extends RunningService {
  ctx: RouterContext;
  router: VehicleRouter;
  drain: DrainController;
  policySource: PolicySource;
  infrastructure: SharedInfrastructure;
  ports: { tls?: number; plain?: number; admin: number };
}

/**
 * The router's composition root: shared infrastructure, policy, the vehicle listeners, the
 * drain and TLS-reload timers and the admin server. `close()` stops taking vehicles, lets
 * sessions end within the grace period, clears this router's presence and releases the rest.
 */
export async function startRouter(
  settings: RouterSettings,
  deps: RouterDeps = {},
): Promise<RunningRouter> {
  const logger = deps.logger ?? createLogger({ service: 'router', level: settings.LOG_LEVEL });
  const registry = deps.registry ?? createMetricsRegistry('router');
  const metrics = createRouterMetrics(registry);
  const brokerPassword = readSecretFile(settings.ROUTER_BROKER_PASSWORD_FILE);

  const infrastructure =
    deps.infrastructure ??
    (await createSharedInfrastructure({
      service: settings.ROUTER_ID,
      databaseUrl: settings.DATABASE_URL,
      redisUrl: settings.REDIS_URL,
      prefix: settings.REDIS_PREFIX,
      logger,
      database: { poolSize: 4 },
      redis: { maxRetriesPerRequest: 3 },
      queues: false,
      topologyRefreshMs: settings.ROUTER_TOPOLOGY_REFRESH_MS,
      sticky: {
        redisTimeoutMs: settings.ROUTER_REDIS_TIMEOUT_MS,
        onFallback: (source, vehicles) => metrics.routingFallbacks.inc({ source }, vehicles),
        onRedisFailure: (operation) => metrics.redisFailures.inc({ operation }),
      },
    }));
  const { db, redis, topology, sticky, announcements } = infrastructure;
  const presence = new PresenceWriter({
    store: infrastructure.presence,
    routerId: settings.ROUTER_ID,
    maxQueued: settings.ROUTER_PRESENCE_QUEUE_MAX,
    ...(deps.presenceRetryMs === undefined ? {} : { retryMs: deps.presenceRetryMs }),
    isConnected: () => redis.status === 'ready',
    onQueued: (waiting) => metrics.presenceQueued.set(waiting),
    onReplayed: (count) => metrics.presenceReplayed.inc(count),
    onDropped: (count) => metrics.presenceDropped.inc(count),
  });
  // A previous run under this id may have crashed with vehicles connected; without Redis the
  // clean-up waits for it, ahead of every presence change this run makes. A connection still
  // being made is given a moment first, so a healthy start clears at once instead of queueing.
  await redisReady(redis, Math.max(1_000, settings.ROUTER_REDIS_TIMEOUT_MS));
  const stale = await presence.clearRouter('router-restarted');
  if (stale > 0) logger.info({ stale }, 'cleared presence left by a previous run');

  const policy = new PolicyState();
  const policySource = new PolicySource({ db, state: policy, logger, metrics });
  await policySource.poll();
  policySource.start(settings.ROUTER_POLICY_POLL_MS);

  const rates = policy.current.policy.throttling.global;
  const throttle = {
    up: new TokenBucket(rates.upstreamBytesPerSecond, rates.upstreamBytesPerSecond),
    down: new TokenBucket(rates.downstreamBytesPerSecond, rates.downstreamBytesPerSecond),
  };
  policy.onChange(({ policy: p }) => {
    throttle.up.configure(
      p.throttling.global.upstreamBytesPerSecond,
      p.throttling.global.upstreamBytesPerSecond,
    );
    throttle.down.configure(
      p.throttling.global.downstreamBytesPerSecond,
      p.throttling.global.downstreamBytesPerSecond,
    );
  });

  let stopping = false;
  const gate = new ConnectionGate(policy);
  const ctx: RouterContext = {
    routerId: settings.ROUTER_ID,
    logger,
    metrics,
    policy,
    gate,
    topology,
    sticky,
    presence,
    health: new BrokerHealth(settings.ROUTER_BROKER_HOLD_DOWN_MS),
    throttle,
    identity: {
      source: settings.VEHICLE_ID_SOURCE as IdentitySource,
      idPattern: new RegExp(settings.VEHICLE_ID_PATTERN),
    },
    broker: {
      connectTimeoutMs: settings.ROUTER_BROKER_CONNECT_TIMEOUT_MS,
      username: settings.ROUTER_BROKER_USERNAME,
      ...(brokerPassword === undefined ? {} : { password: Buffer.from(brokerPassword) }),
    },
    isStopping: () => stopping,
  };

  const tlsFiles: TlsFiles = {
    caFile: settings.TLS_CA_FILE,
    certFile: settings.TLS_CERT_FILE,
    keyFile: settings.TLS_KEY_FILE,
    crlFile: settings.TLS_CRL_FILE,
    ticketKeyFile: settings.ROUTER_TLS_TICKET_KEY_FILE,
  };
  const router = new VehicleRouter(ctx, {
    ...(settings.ROUTER_TLS_PORT > 0
      ? {
          tls: {
            host: settings.ROUTER_HOST,
            port: settings.ROUTER_TLS_PORT,
            secure: await readTlsFiles(tlsFiles),
            sessionTimeoutS: settings.ROUTER_TLS_SESSION_TIMEOUT_S,
          },
        }
      : {}),
    ...(settings.ROUTER_PLAIN_PORT > 0
      ? { plain: { host: settings.ROUTER_HOST, port: settings.ROUTER_PLAIN_PORT } }
      : {}),
  });
  await router.start();
  if (settings.ROUTER_PLAIN_PORT > 0)
    logger.warn(
      { port: router.ports.plain },
      'plain listener open: client ids are not authenticated',
    );

  // A renewed certificate or a new CRL takes effect without a restart.
  const tlsReloader = new TlsReloader({
    files: tlsFiles,
    apply: (secure) => {
      router.setSecureContext(secure);
      logger.info('TLS files reloaded');
    },
    onError: (err) => logger.error({ err }, 'TLS reload failed; keeping the files in use'),
  });
  if (settings.ROUTER_TLS_PORT > 0) await tlsReloader.start(settings.ROUTER_TLS_RELOAD_MS);

  const drain = new DrainController(ctx, () => router.connections);
  drain.start(settings.ROUTER_DRAIN_CHECK_MS);

  // The API announces policy changes (topology ones the infrastructure follows itself);
  // polling stays as the safety net.
  await announcements.follow(redisKeys.policyChanged(settings.REDIS_PREFIX), () =>
    policySource.poll(),
  );

  const admin = await startAdminServer({
    host: settings.ROUTER_ADMIN_HOST,
    port: settings.ROUTER_ADMIN_PORT,
    registry,
    isStopping: () => stopping,
    // No Redis or Postgres check: vehicles still connect without them (routing falls back,
    // presence queues), and failing readiness would take every router out of the balancer at
    // once. Their outages show in the fallback and failure metrics instead.
  });
  logger.info(
    {
      routerId: settings.ROUTER_ID,
      ...router.ports,
      adminPort: admin.port,
      policyVersion: policy.current.version,
    },
    'started',
  );

  return {
    ctx,
    router,
    drain,
    policySource,
    infrastructure,
    ports: { ...router.ports, admin: admin.port },
    // Ready while its vehicle listeners are open; Redis and Postgres outages are survivable.
    ready: () =>
      Promise.resolve(
        !stopping && (router.ports.tls !== undefined || router.ports.plain !== undefined),
      ),
    close: () =>
      closeInOrder(logger, [
        {
          name: 'vehicle listeners',
          close: async () => {
            stopping = true;
            drain.stop();
            tlsReloader.stop();
            await router.stop(Math.max(0, settings.SHUTDOWN_GRACE_MS - 3_000));
          },
        },
        {
          name: 'presence',
          close: async () => {
            await presence.clearRouter('router-stopped');
            await presence.close();
          },
        },
        {
          name: 'routing',
          close: () => {
            policySource.stop();
            gate.close();
          },
        },
        // Redis, Postgres and the announcements' subscriber, unless the caller owns them.
        {
          name: 'infrastructure',
          close: () => (deps.infrastructure ? undefined : infrastructure.close()),
        },
        { name: 'admin server', close: () => admin.close() },
      ]),
  };
}
