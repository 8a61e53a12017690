import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger } from '@roadcast/observability';
import { generateSigningKeyPair } from '@roadcast/signing';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@roadcast/testing';
import type { ApiOptions } from '../src/api-deps.js';
import { createApiGraph, type ApiGraphOptions } from '../src/api-graph.js';
import { buildApp } from '../src/app.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ApiFixture {
  app: FastifyInstance;
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
  graph?: Partial<ApiGraphOptions>;
}

/** A real database and Redis prefix, the API built in process, and a key of each role. */
export async function startApiFixture(
  label: string,
  overrides: Partial<ApiOptions> = {},
  connections: FixtureConnections = {},
): Promise<ApiFixture> {
  const database = await createTestDatabase(label);
  const prefix = uniquePrefix(label);
  const redisUrl = connections.redisUrl ?? REDIS_URL;
  const redis = new Redis(redisUrl);
  redis.on('error', () => undefined);
  const pair = generateSigningKeyPair('api-test');
  const graph = await createApiGraph({
    databaseUrl: connections.databaseUrl?.(database.url) ?? database.url,
    redisUrl,
    prefix,
    fanoutBatchSize: 100,
    logger: createLogger({
      service: 'api',
      level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent',
    }),
    registry: new Registry(),
    publicKeys: new Map([[pair.keyId, pair.publicKeyPem]]),
    ...connections.graph,
  });
  const admin = `admin-${uniquePrefix('key')}-${'x'.repeat(16)}`;
  const app = await buildApp(graph.deps, {
    rateLimitPerSecond: 1_000,
    unauthenticatedPerSecond: 1_000,
    rateLimitSyncMs: 0,
    bulkBodyLimitBytes: 8 * 1024 * 1024,
    eventsHeartbeatMs: 200,
    eventsMaxStreams: 2_000,
    eventsMaxStreamsPerKey: 20,
    eventsStreamBufferBytes: 256 * 1024,
    trustedProxies: [],
    adminApiKey: admin,
    ...overrides,
  });
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
    database,
    redis,
    prefix,
    keys,
    publicKeyPem: pair.publicKeyPem,
    call,
    async close() {
      await app.close();
      await graph.deps.pipeline.queues.notices.obliterate({ force: true }).catch(() => undefined);
      await graph.deps.pipeline.queues.campaigns.obliterate({ force: true }).catch(() => undefined);
      await graph.close();
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
