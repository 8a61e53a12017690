import type { FastifyInstance } from 'fastify';
import type { ApiSettings } from '@roadcast/config';
import type { SharedInfrastructure } from '@roadcast/infrastructure';
import {
  createLogger,
  createMetricsRegistry,
  type RunningService,
  type ServiceDeps,
} from '@roadcast/observability';
import { createApiGraph, readPublicKeys } from './api-graph.js';
import { buildApp } from './app.js';

export interface ApiStartDeps extends ServiceDeps {
  /** Built by the caller, who also closes it; the API builds its own when omitted. */
  infrastructure?: SharedInfrastructure;
  /** Trusted notice-signing public keys (PEM) by key id; read from the settings' files when omitted. */
  publicKeys?: ReadonlyMap<string, string>;
}

export interface RunningApi extends RunningService {
  /** The fastify instance, listening; tests may still use `app.inject`. */
  app: FastifyInstance;
  port: number;
}

/**
 * The API's composition root: connections and stores, the plugin tree (`buildApp`), and the
 * HTTP listener on API_HOST:API_PORT (0 picks a free port). `close()` closes the server, then
 * the connections.
 */
export async function startApi(
  settings: ApiSettings,
  deps: ApiStartDeps = {},
): Promise<RunningApi> {
  const logger = deps.logger ?? createLogger({ service: 'api', level: settings.LOG_LEVEL });
  const extraKeys = settings.SIGNING_PUBLIC_KEYS
    ? settings.SIGNING_PUBLIC_KEYS.split(',').map((pair) => pair.split('=', 2) as [string, string])
    : [];
  const graph = await createApiGraph({
    databaseUrl: settings.DATABASE_URL,
    redisUrl: settings.REDIS_URL,
    prefix: settings.REDIS_PREFIX,
    fanoutBatchSize: settings.FANOUT_BATCH_SIZE,
    databaseConnectTimeoutMs: settings.API_DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: settings.API_STATEMENT_TIMEOUT_MS,
    campaignStatementTimeoutMs: settings.API_CAMPAIGN_STATEMENT_TIMEOUT_MS,
    redisCommandTimeoutMs: settings.API_REDIS_COMMAND_TIMEOUT_MS,
    logger,
    registry: deps.registry ?? createMetricsRegistry('api'),
    publicKeys:
      deps.publicKeys ??
      readPublicKeys([[settings.SIGNING_KEY_ID, settings.SIGNING_PUBLIC_KEY_FILE], ...extraKeys]),
    ...(deps.infrastructure ? { infrastructure: deps.infrastructure } : {}),
  });
  let app: FastifyInstance;
  try {
    app = await buildApp(graph.deps, {
      rateLimitPerSecond: settings.RATE_LIMIT_PER_SECOND,
      unauthenticatedPerSecond: settings.RATE_LIMIT_UNAUTHENTICATED_PER_SECOND,
      rateLimitSyncMs: settings.RATE_LIMIT_SYNC_MS,
      bulkBodyLimitBytes: settings.BULK_BODY_LIMIT_BYTES,
      eventsHeartbeatMs: settings.EVENTS_HEARTBEAT_MS,
      eventsMaxStreams: settings.EVENTS_MAX_STREAMS,
      eventsMaxStreamsPerKey: settings.EVENTS_MAX_STREAMS_PER_KEY,
      eventsStreamBufferBytes: settings.EVENTS_STREAM_BUFFER_BYTES,
      trustedProxies: settings.API_TRUSTED_PROXIES.split(',')
        .map((p) => p.trim())
        .filter(Boolean),
      ...(settings.ADMIN_API_KEY ? { adminApiKey: settings.ADMIN_API_KEY } : {}),
    });
    await app.listen({ host: settings.API_HOST, port: settings.API_PORT });
  } catch (err) {
    await graph.close();
    throw err;
  }
  const address = app.server.address();
  return {
    app,
    port: typeof address === 'object' && address ? address.port : settings.API_PORT,
    async ready() {
      await Promise.all([graph.deps.db.pool.query('SELECT 1'), graph.deps.redis.ping()]);
      return true;
    },
    async close() {
      try {
        await app.close();
      } finally {
        await graph.close();
      }
    },
  };
}
