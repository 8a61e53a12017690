import { readFileSync } from 'node:fs';
import { BridgeSettings, loadConfigOrExit, readSecretFile } from '@roadcast/config';
import {
  createLogger,
  createMetricsRegistry,
  handleShutdown,
  startAdminServer,
} from '@roadcast/observability';
import { loadSigningKey } from '@roadcast/signing';
import { startBridge } from './bridge-service.js';

const settings = loadConfigOrExit(BridgeSettings, { env: process.env, dotenvPath: '.env' });
const logger = createLogger({ service: 'bridge', level: settings.LOG_LEVEL });
const registry = createMetricsRegistry('bridge');
const signingKey = loadSigningKey(
  readFileSync(settings.SIGNING_KEY_FILE, 'utf8'),
  settings.SIGNING_KEY_ID,
);
const edgePassword = readSecretFile(settings.BRIDGE_EDGE_PASSWORD_FILE);
const corePassword = readSecretFile(settings.CORE_BROKER_PASSWORD_FILE);
const bridge = await startBridge({
  databaseUrl: settings.DATABASE_URL,
  redisUrl: settings.REDIS_URL,
  prefix: settings.REDIS_PREFIX,
  signingKey,
  logger,
  registry,
  fanoutBatchSize: settings.FANOUT_BATCH_SIZE,
  concurrency: settings.FANOUT_CONCURRENCY,
  brokerConnections: settings.BROKER_CONNECTIONS,
  brokerInflight: settings.BROKER_INFLIGHT,
  publishTimeoutMs: settings.PUBLISH_TIMEOUT_MS,
  breakerFailureThreshold: settings.BREAKER_FAILURE_THRESHOLD,
  breakerCooldownMs: settings.BREAKER_COOLDOWN_MS,
  retryBaseMs: settings.RETRY_BASE_MS,
  retryMaxMs: settings.RETRY_MAX_MS,
  statusCacheMs: settings.CAMPAIGN_STATUS_CACHE_MS,
  edgeCredentials: {
    username: settings.BRIDGE_EDGE_USERNAME,
    ...(edgePassword === undefined ? {} : { password: Buffer.from(edgePassword) }),
  },
  ...(settings.INGEST_ENABLED
    ? {
        ingest: {
          url: settings.CORE_BROKER_URL,
          topic: settings.INGEST_TOPIC,
          replyTopic: settings.INGEST_REPLY_TOPIC,
          clientId: settings.INGEST_CLIENT_ID,
          ...(corePassword === undefined
            ? {}
            : {
                credentials: {
                  username: settings.CORE_BROKER_USERNAME,
                  password: Buffer.from(corePassword),
                },
              }),
        },
      }
    : {}),
});
let stopping = false;
const admin = await startAdminServer({
  host: settings.BRIDGE_ADMIN_HOST,
  port: settings.BRIDGE_ADMIN_PORT,
  registry,
  readiness: { dependencies: () => bridge.ready() },
  isStopping: () => stopping,
});
logger.info({ adminPort: admin.port, keyId: signingKey.keyId }, 'started');
handleShutdown({
  logger,
  graceMs: settings.SHUTDOWN_GRACE_MS,
  closers: [
    {
      name: 'bridge',
      close: () => {
        stopping = true;
        return bridge.close();
      },
    },
    { name: 'admin server', close: () => admin.close() },
  ],
});
