import { existsSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createDb } from '@roadcast/db';
import { bullConnection, createPipelineQueues } from '@roadcast/queue';
import { EdgeTopology, PresenceStore, StickyAssignments } from '@roadcast/routing';
import { loadPublicKey } from '@roadcast/signing';
import type { ApiDeps } from './api-deps.js';

export interface ApiGraphOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  fanoutBatchSize: number;
  logger: Logger;
  registry: Registry;
  /** Public signing keys by id: SPKI PEM text, or a path to a PEM file. */
  publicKeys?: ReadonlyMap<string, string>;
}

/** Reads `keyId=path` pairs (comma separated) plus the configured key into PEM by key id. */
export function readPublicKeys(pairs: Array<[string, string]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [keyId, path] of pairs) {
    if (!path || !existsSync(path)) continue;
    const pem = readFileSync(path, 'utf8');
    loadPublicKey(pem);
    out.set(keyId, pem);
  }
  return out;
}

/** The API's connections and stores; close() releases them after the server closed. */
export async function createApiGraph(
  options: ApiGraphOptions,
): Promise<{ deps: ApiDeps; close(): Promise<void> }> {
  const db = createDb(options.databaseUrl, { applicationName: 'roadcast-api', poolSize: 20 });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', (err) => options.logger.warn({ err: err.message }, 'redis error'));
  const queues = createPipelineQueues(bullConnection(options.redisUrl), options.prefix);
  const topology = new EdgeTopology(db);
  await topology.refresh();
  const presence = new PresenceStore({ redis, prefix: options.prefix });
  const sticky = new StickyAssignments({ db, redis, prefix: options.prefix, topology });
  const deps: ApiDeps = {
    db,
    redis,
    prefix: options.prefix,
    pipeline: {
      pool: db.pool,
      queues,
      redis,
      prefix: options.prefix,
      fanoutBatchSize: options.fanoutBatchSize,
      logger: options.logger,
    },
    topology,
    presence,
    sticky,
    registry: options.registry,
    logger: options.logger,
    publicKeys: options.publicKeys ?? new Map(),
  };
  return {
    deps,
    async close() {
      await sticky.close();
      await queues.close();
      redis.disconnect();
      await db.close();
    },
  };
}
