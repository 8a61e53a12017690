import { Type, type Static } from '@sinclair/typebox';
import { common, database, host, port, redis, url } from '../settings.js';

const int = (description: string, def: number, minimum: number, maximum: number) =>
  Type.Integer({ description, default: def, minimum, maximum });

export const BridgeSettings = Type.Object({
  ...common,
  ...database,
  ...redis,
  BRIDGE_ADMIN_HOST: host('Address of the admin endpoints (health, metrics)'),
  BRIDGE_ADMIN_PORT: port('Admin endpoints: /healthz, /readyz, /metrics', 9884),
  SIGNING_KEY_FILE: Type.String({
    description: 'Ed25519 private key (PKCS#8 PEM) that signs notices',
    default: '.data/signing/dev-1.key',
    minLength: 1,
  }),
  SIGNING_KEY_ID: Type.String({
    description: 'Key id written into every notice so vehicles pick the right public key',
    default: 'dev-1',
    pattern: '^[A-Za-z0-9._-]{1,128}$',
  }),
  CORE_BROKER_URL: url(
    'Core MQTT broker that backend systems publish campaign requests to',
    'mqtt://127.0.0.1:18830',
    ['mqtt', 'mqtts'],
  ),
  CORE_BROKER_USERNAME: Type.String({
    description:
      'User name of the ingest session on the core broker, sent with CORE_BROKER_PASSWORD_FILE',
    default: 'roadcast-bridge',
    minLength: 1,
    maxLength: 256,
  }),
  CORE_BROKER_PASSWORD_FILE: Type.String({
    description:
      'File holding the password of the ingest session on the core broker; empty: credentials from CORE_BROKER_URL, if any',
    default: '',
  }),
  BRIDGE_EDGE_USERNAME: Type.String({
    description: 'User name the bridge presents to edge brokers',
    default: 'roadcast-bridge',
    minLength: 1,
    maxLength: 256,
  }),
  BRIDGE_EDGE_PASSWORD_FILE: Type.String({
    description: 'File holding the password the bridge presents to edge brokers; empty sends none',
    default: '',
  }),
  INGEST_TOPIC: Type.String({
    description:
      'Core broker topic of campaign requests (subscribed with QoS 1, persistent session)',
    default: 'roadcast/ingest/campaigns',
    minLength: 1,
  }),
  INGEST_REPLY_TOPIC: Type.String({
    description: 'Where answers go when a campaign request names no reply topic',
    default: 'roadcast/ingest/replies',
    minLength: 1,
  }),
  INGEST_CLIENT_ID: Type.String({
    description:
      'MQTT client id of the ingest session; keep it stable so queued requests survive restarts',
    default: 'roadcast-bridge-ingest',
    minLength: 1,
    maxLength: 64,
  }),
  INGEST_ENABLED: Type.Boolean({
    description: 'Consume campaign requests from the core broker',
    default: true,
  }),
  FANOUT_BATCH_SIZE: int('Deliveries per fan-out job', 500, 1, 10_000),
  FANOUT_CONCURRENCY: int('Fan-out jobs one bridge process works on at once', 8, 1, 256),
  BROKER_CONNECTIONS: int('MQTT connections kept to each edge broker', 2, 1, 32),
  BROKER_INFLIGHT: int(
    "Unacknowledged QoS 1 publishes per connection (lowered to the broker's receive maximum)",
    200,
    1,
    65_535,
  ),
  PUBLISH_TIMEOUT_MS: int(
    'How long to wait for a PUBACK before counting a broker failure',
    10_000,
    100,
    600_000,
  ),
  BREAKER_FAILURE_THRESHOLD: int('Consecutive failures that open a broker circuit', 3, 1, 1000),
  BREAKER_COOLDOWN_MS: int(
    'How long an open broker circuit waits before one trial',
    2_000,
    100,
    600_000,
  ),
  RETRY_BASE_MS: int('First retry delay of a fan-out job whose broker failed', 500, 10, 600_000),
  RETRY_MAX_MS: int('Longest retry delay of a fan-out job', 15_000, 10, 3_600_000),
  CAMPAIGN_STATUS_CACHE_MS: int(
    'How long a campaign status read is reused (pause/cancel take effect within it)',
    1_000,
    0,
    60_000,
  ),
});
export type BridgeSettings = Static<typeof BridgeSettings>;
