import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { ApiSettings, loadConfig } from '@roadcast/config';
import { createLogger } from '@roadcast/observability';
import { generateSigningKeyPair } from '@roadcast/signing';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@roadcast/testing';
import { startApi } from '../src/start-api.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ApiFixture {
  app: FastifyInstance;
  /** The port the API listens on (127.0.0.1). */
  port: number;
  database: TestDatabase;
  redis: Redis;
  prefix: string;
  keys: { admin: string; operator: string; viewer: string };
  publicKeyPem: string;
  call(key: string | undefined, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface FixtureConnections {
  /** The Redis the API talks to (default: the shared one). */
  redisUrl?: string;
  /** The database URL the API uses, from the test database's, e.g. through a proxy. */
  databaseUrl?: (url: string) => string;
  logger?: Logger;
}

/**
 * A real database and Redis prefix, the API started in process by its composition root on a
 * free port, and a key of each role. `overrides` are settings as the environment gives them.
 */
export async function startApiFixture(
  label: string,
  overrides: Record<string, string> = {},
  connections: FixtureConnections = {},
): Promise<ApiFixture> {
  const database = await createTestDatabase(label);
  const prefix = uniquePrefix(label);
  const redisUrl = connections.redisUrl ?? REDIS_URL;
  const redis = new Redis(redisUrl);
  redis.on('error', () => undefined);
  const pair = generateSigningKeyPair('api-test');
  const admin = `admin-${uniquePrefix('key')}-${'x'.repeat(16)}`;
  const settings = loadConfig(ApiSettings, {
    env: {
      DATABASE_URL: connections.databaseUrl?.(database.url) ?? database.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      API_PORT: '0',
      FANOUT_BATCH_SIZE: '100',
      RATE_LIMIT_PER_SECOND: '1000',
      RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '1000',
      RATE_LIMIT_SYNC_MS: '0',
      BULK_BODY_LIMIT_BYTES: String(8 * 1024 * 1024),
      EVENTS_HEARTBEAT_MS: '200',
      EVENTS_MAX_STREAMS: '2000',
      EVENTS_MAX_STREAMS_PER_KEY: '20',
      EVENTS_STREAM_BUFFER_BYTES: String(256 * 1024),
      API_TRUSTED_PROXIES: '',
      ADMIN_API_KEY: admin,
      ...overrides,
    },
  });
  const running = await startApi(settings, {
    logger:
      connections.logger ??
      createLogger({
        service: 'api',
        level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent',
      }),
    registry: new Registry(),
    publicKeys: new Map([[pair.keyId, pair.publicKeyPem]]),
  });
  const { app } = running;
  const call = (key: string | undefined, options: InjectOptions) =>
    app.inject({
      ...options,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...options.headers },
    });
  const create = async (role: string) => {
    const res = await call(admin, {
      method: 'POST',
      url: '/v1/api-keys',
      payload: { name: `${role}-key`, role },
    });
    if (res.statusCode !== 201) throw new Error(`key not created: ${res.body}`);
    return (res.json() as { key: string }).key;
  };
  const keys = { admin, operator: await create('operator'), viewer: await create('viewer') };
  return {
    app,
    port: running.port,
    database,
    redis,
    prefix,
    keys,
    publicKeyPem: pair.publicKeyPem,
    call,
    async close() {
      const { queues } = app.deps.pipeline;
      await queues.notices.obliterate({ force: true }).catch(() => undefined);
      await queues.campaigns.obliterate({ force: true }).catch(() => undefined);
      await running.close();
      const stale = await redis.keys(`${prefix}:*`);
      if (stale.length > 0) await redis.del(...stale);
      redis.disconnect();
      await database.drop();
    },
  };
}

export const validUpdate = {
  id: 'body-control',
  version: '3.4.5',
  url: 'https://updates.example.com/body-control/3.4.5.bin',
  sha256: 'd'.repeat(64),
  size: 2_048,
};

export function vehicles(count: number, tag = 'fleet', from = 1) {
  return Array.from({ length: count }, (_, i) => ({
    id: `WVW${String(from + i).padStart(14, '0')}`,
    model: i % 2 === 0 ? 'e-golf' : 'id3',
    region: i % 3 === 0 ? 'eu-west' : 'eu-central',
    softwareVersion: i % 4 === 0 ? '1.0.0' : '1.1.0',
    tags: [tag, ...(i % 5 === 0 ? ['beta'] : [])],
  }));
}
