import { Type, type TSchema } from '@sinclair/typebox';

/** Settings fragments shared by several apps; each app's schema composes them. */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const url = (description: string, def: string, protocols: string[]) =>
  Type.String({
    description,
    default: def,
    pattern: `^(${protocols.join('|')})://`,
  });

const port = (description: string, def: number) =>
  Type.Integer({ description, default: def, minimum: 0, maximum: 65535 });

export const common = {
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((l) => Type.Literal(l)),
    { description: 'Minimum level written to the JSON log', default: 'info' },
  ),
  SHUTDOWN_GRACE_MS: Type.Integer({
    description: 'How long a stopping process may take to finish work in hand',
    default: 10_000,
    minimum: 0,
  }),
};

export const database = {
  DATABASE_URL: url(
    'PostgreSQL connection string',
    'postgresql://postgres@127.0.0.1:5432/roadcast',
    ['postgres', 'postgresql'],
  ),
};

export const redis = {
  REDIS_URL: url('Redis connection string', 'redis://127.0.0.1:6379', ['redis', 'rediss']),
  REDIS_PREFIX: Type.String({
    description: 'Prefix of every Redis key and BullMQ queue Roadcast uses',
    default: 'roadcast',
    pattern: '^[A-Za-z0-9:_-]{1,64}$',
  }),
};

export const host = (description: string) =>
  Type.String({ description, default: '127.0.0.1', minLength: 1 });

export { port, url };

export type SettingsShape = Record<string, TSchema>;
