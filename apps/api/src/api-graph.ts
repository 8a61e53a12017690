import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createPool } from '@roadcast/db';
import { createSharedInfrastructure, type SharedInfrastructure } from '@roadcast/infrastructure';
import { loadPublicKey } from '@roadcast/signing';
import type { ApiDeps } from './api-deps.js';
import { DependencyHealth } from './services/dependency-health.js';

export interface ApiGraphOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  fanoutBatchSize: number;
  logger: Logger;
  registry: Registry;
  /** Public signing keys by id: SPKI PEM text, or a path to a PEM file. */
  publicKeys?: ReadonlyMap<string, string>;
  /** Longest wait for a database connection (default 2 s). */
  databaseConnectTimeoutMs?: number;
  /** Longest statement of an ordinary request (default 10 s). */
  statementTimeoutMs?: number;
  /** Longest statement of a campaign operation (default 10 min). */
  campaignStatementTimeoutMs?: number;
  /** Longest wait for a Redis command (default 1 s). */
  redisCommandTimeoutMs?: number;
  /** How long start-up waits for Redis (default 30 s). */
  startTimeoutMs?: number;
  /** Built by the caller, who also closes it; built here when omitted. */
  infrastructure?: SharedInfrastructure;
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

/**
 * The API's connections and stores; close() releases them after the server closed. Every
 * wait on a dependency is bounded, so an outage turns into prompt 503 answers rather than
 * requests that hang: a connection from a pool within `databaseConnectTimeoutMs`, statements
 * within their timeouts, Redis commands (queued while it reconnects) within
 * `redisCommandTimeoutMs`. BullMQ's producers share the API's Redis client and its limits.
 */
export async function createApiGraph(
  options: ApiGraphOptions,
): Promise<{ deps: ApiDeps; close(): Promise<void> }> {
  const connectionTimeoutMs = options.databaseConnectTimeoutMs ?? 2_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const infrastructure =
    options.infrastructure ??
    (await createSharedInfrastructure({
      service: 'api',
      databaseUrl: options.databaseUrl,
      redisUrl: options.redisUrl,
      prefix: options.prefix,
      logger: options.logger,
      database: {
        poolSize: 20,
        connectionTimeoutMs,
        statementTimeoutMs,
        // Ordinary requests only use pool.query, which discards a connection that timed out.
        queryTimeoutMs: statementTimeoutMs + 1_000,
      },
      // Outages are reported by the dependency health checks, not once per reconnect attempt.
      redis: {
        maxRetriesPerRequest: 1,
        commandTimeoutMs: options.redisCommandTimeoutMs ?? 1_000,
        connectionName: `${options.prefix}:api`,
        readyTimeoutMs: options.startTimeoutMs ?? 30_000,
        logErrors: false,
      },
    }));
  const { db, redis, queues, topology, presence, sticky } = infrastructure;
  // Materializing a large campaign is one long statement; it gets a pool of its own so that
  // neither its timeout nor its connections are taken from ordinary requests.
  const campaignPool = createPool(options.databaseUrl, {
    applicationName: 'roadcast-api-campaigns',
    poolSize: 8,
    connectionTimeoutMs,
    statementTimeoutMs: options.campaignStatementTimeoutMs ?? 600_000,
  });
  const health = new DependencyHealth({
    probes: { database: () => db.pool.query('SELECT 1'), redis: () => redis.ping() },
    logger: options.logger,
    registry: options.registry,
  });
  const deps: ApiDeps = {
    db,
    redis,
    prefix: options.prefix,
    pipeline: {
      pool: campaignPool,
      queues,
      redis,
      prefix: options.prefix,
      fanoutBatchSize: options.fanoutBatchSize,
      logger: options.logger,
    },
    topology,
    presence,
    sticky,
    health,
    registry: options.registry,
    logger: options.logger,
    publicKeys: options.publicKeys ?? new Map(),
  };
  return {
    deps,
    async close() {
      health.close();
      await Promise.allSettled([
        options.infrastructure ? undefined : infrastructure.close(),
        campaignPool.end(),
      ]);
    },
  };
}
