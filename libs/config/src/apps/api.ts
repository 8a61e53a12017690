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
  RATE_LIMIT_PER_SECOND: int(
    'Requests one API key may make per second before answers are 429',
    100,
    1,
    1_000_000,
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
});
export type ApiSettings = Static<typeof ApiSettings>;
