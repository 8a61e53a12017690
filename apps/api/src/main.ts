import { ApiSettings, loadConfigOrExit } from '@roadcast/config';
import { createLogger, createMetricsRegistry, handleShutdown } from '@roadcast/observability';
import { createApiGraph, readPublicKeys } from './api-graph.js';
import { buildApp } from './app.js';

const settings = loadConfigOrExit(ApiSettings, { env: process.env, dotenvPath: '.env' });
const logger = createLogger({ service: 'api', level: settings.LOG_LEVEL });
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
  registry: createMetricsRegistry('api'),
  publicKeys: readPublicKeys([
    [settings.SIGNING_KEY_ID, settings.SIGNING_PUBLIC_KEY_FILE],
    ...extraKeys,
  ]),
});
const app = await buildApp(graph.deps, {
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
handleShutdown({
  logger,
  graceMs: settings.SHUTDOWN_GRACE_MS,
  closers: [
    { name: 'http server', close: () => app.close() },
    { name: 'connections', close: () => graph.close() },
  ],
});
