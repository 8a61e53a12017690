import { Type, type Static } from '@sinclair/typebox';
import { common, database, host, port, redis } from '../settings.js';

const int = (description: string, def: number, minimum: number, maximum: number) =>
  Type.Integer({ description, default: def, minimum, maximum });

export const ApiSettings = Type.Object({
  ...common,
  ...database,
  ...redis,
  API_HOST: host('Address the REST API and dashboard listen on'),
  API_PORT: port('Port of the REST API and dashboard', 3000),
  ADMIN_API_KEY: Type.Optional(
    Type.String({
      description: 'Bootstrap admin API key (at least 32 characters); stored hashed on start',
      minLength: 32,
    }),
  ),
  SIGNING_KEY_ID: Type.String({
    description: 'Id of the key that signs notices, listed for vehicles with its public key',
    default: 'dev-1',
    pattern: '^[A-Za-z0-9._-]{1,128}$',
  }),
  SIGNING_PUBLIC_KEY_FILE: Type.String({
    description: 'Public half (SPKI PEM) of the notice signing key; empty lists none',
    default: '.data/signing/dev-1.pub',
  }),
  SIGNING_PUBLIC_KEYS: Type.String({
    description: 'More trusted keys during a rotation, as keyId=path.pub pairs separated by commas',
    default: '',
    pattern: '^$|^[A-Za-z0-9._-]+=[^,]+(,[A-Za-z0-9._-]+=[^,]+)*$',
  }),
  API_TRUSTED_PROXIES: Type.String({
    description:
      'Addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client, separated by commas',
    default: '',
    pattern: '^[0-9A-Fa-f.:/, ]*$',
  }),
  RATE_LIMIT_PER_SECOND: int(
    'Requests one API key may make per second (across API instances) before answers are 429',
    100,
    1,
    1_000_000,
  ),
  RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: int(
    'Requests per second one client address may make without a valid API key before answers are 429',
    10,
    1,
    1_000_000,
  ),
  RATE_LIMIT_SYNC_MS: int(
    "How often API instances share their request counts in Redis to split each key's limit; 0 keeps limits per instance",
    1_000,
    0,
    60_000,
  ),
  API_DATABASE_CONNECT_TIMEOUT_MS: int(
    'Longest wait for a database connection before a request is answered 503',
    2_000,
    100,
    60_000,
  ),
  API_STATEMENT_TIMEOUT_MS: int(
    'Longest database statement of an ordinary API request',
    10_000,
    100,
    600_000,
  ),
  API_CAMPAIGN_STATEMENT_TIMEOUT_MS: int(
    'Longest database statement of campaign create, pause, resume, cancel and retry (materializing a large campaign takes long)',
    600_000,
    1_000,
    3_600_000,
  ),
  API_REDIS_COMMAND_TIMEOUT_MS: int(
    'Longest wait for a Redis command before a request is answered 503',
    1_000,
    50,
    60_000,
  ),
  FANOUT_BATCH_SIZE: int(
    'Deliveries per fan-out job enqueued when a campaign starts',
    500,
    1,
    10_000,
  ),
  BULK_BODY_LIMIT_BYTES: int(
    'Largest accepted body of bulk requests (vehicle registration)',
    16 * 1024 * 1024,
    1024,
    256 * 1024 * 1024,
  ),
  EVENTS_HEARTBEAT_MS: int(
    'Interval of heartbeat comments on the event stream',
    15_000,
    100,
    300_000,
  ),
  EVENTS_MAX_STREAMS_PER_KEY: int(
    'Concurrent event streams one API key may hold open; more are answered 429',
    20,
    1,
    100_000,
  ),
  EVENTS_MAX_STREAMS: int(
    'Concurrent event streams one API process holds open; more are answered 503',
    2_000,
    1,
    1_000_000,
  ),
  EVENTS_STREAM_BUFFER_BYTES: int(
    'Unsent bytes an event stream may queue for a client that does not read before it is dropped',
    64 * 1024,
    4 * 1024,
    64 * 1024 * 1024,
  ),
});
export type ApiSettings = Static<typeof ApiSettings>;
