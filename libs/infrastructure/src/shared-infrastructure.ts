import { Redis } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import { createDb, type Db, type DbOptions } from '@roadcast/db';
import type { Logger } from '@roadcast/observability';
import { createPipelineQueues, redisKeys, type PipelineQueues } from '@roadcast/queue';
import {
  EdgeTopology,
  PresenceStore,
  StickyAssignments,
  type StickyAssignmentsOptions,
} from '@roadcast/routing';
import { ChangeAnnouncements } from './change-announcements.js';

/** How often every app reloads the edge topology when it is not told of a change. */
export const DEFAULT_TOPOLOGY_REFRESH_MS = 30_000;

export interface SharedInfrastructureOptions {
  /** The app's name: `roadcast-<service>` names its database connections. */
  service: string;
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key, channel and queue. */
  prefix: string;
  logger: Logger;
  /** Pool size and timeouts of the database pool. */
  database?: Omit<DbOptions, 'applicationName'> & { applicationName?: string };
  redis?: {
    /** ioredis `maxRetriesPerRequest`: `null` waits for Redis (workers), a number fails. */
    maxRetriesPerRequest: number | null;
    commandTimeoutMs?: number;
    connectionName?: string;
    /** Start-up fails when Redis has not answered within this; by default it does not wait. */
    readyTimeoutMs?: number;
    /** Redis errors are logged as warnings unless the app reports outages its own way. */
    logErrors?: boolean;
  };
  /** BullMQ queues on a connection of their own (workers' settings); default the shared client. */
  queueConnection?: ConnectionOptions;
  /** `false` for an app that enqueues nothing (the router); default true. */
  queues?: boolean;
  /** Safety-net reload of the edge topology (default 30 s); announcements reload at once. */
  topologyRefreshMs?: number;
  /** Lookup limits and counters of the sticky assignments. */
  sticky?: Omit<StickyAssignmentsOptions, 'db' | 'redis' | 'prefix' | 'topology'>;
}

export interface SharedInfrastructure {
  db: Db;
  redis: Redis;
  prefix: string;
  /** BullMQ producers (unless the app asked for none). */
  readonly queues: PipelineQueues;
  /** Loaded before the factory resolves, then kept fresh by the one refresh policy. */
  topology: EdgeTopology;
  presence: PresenceStore;
  /** Made on first use (the tracker has none): it keeps a subscriber of its own. */
  readonly sticky: StickyAssignments;
  /** Change announcements on Redis pub/sub; the topology already follows its channel. */
  announcements: ChangeAnnouncements;
  close(): Promise<void>;
}

/**
 * Builds what every app shares: the database pool, the Redis client, the pipeline queues
 * and the routing trio (edge topology, presence, sticky assignments), with one refresh
 * policy for the topology: loaded at start, reloaded when the API announces a change
 * (`topology-changed`), and every `topologyRefreshMs` in case an announcement was missed.
 * `close()` releases all of it; nothing it makes keeps the process alive afterwards.
 */
export async function createSharedInfrastructure(
  options: SharedInfrastructureOptions,
): Promise<SharedInfrastructure> {
  const { logger, prefix } = options;
  const db = createDb(options.databaseUrl, {
    applicationName: `roadcast-${options.service}`,
    ...options.database,
  });
  const redisOptions = options.redis ?? { maxRetriesPerRequest: null };
  const redis = new Redis(options.redisUrl, {
    maxRetriesPerRequest: redisOptions.maxRetriesPerRequest,
    ...(redisOptions.commandTimeoutMs === undefined
      ? {}
      : { commandTimeout: redisOptions.commandTimeoutMs }),
    ...(redisOptions.connectionName === undefined
      ? {}
      : { connectionName: redisOptions.connectionName }),
  });
  redis.on(
    'error',
    redisOptions.logErrors === false
      ? () => undefined
      : (err: Error) => logger.warn({ err: err.message }, 'redis error'),
  );
  if (redisOptions.readyTimeoutMs !== undefined) {
    try {
      await whenReady(redis, redisOptions.readyTimeoutMs);
    } catch (err) {
      redis.disconnect();
      await db.close();
      throw err;
    }
  }

  // Made as soon as the client exists, before any other connection is derived from it: BullMQ
  // prepares the client it is given, and a Redis restart must find it prepared.
  const queues =
    options.queues === false
      ? undefined
      : createPipelineQueues(options.queueConnection ?? redis, prefix);
  const topology = new EdgeTopology(db);
  const announcements = new ChangeAnnouncements(redis, logger, {
    logErrors: redisOptions.logErrors !== false,
  });
  let sticky: StickyAssignments | undefined;
  const timer = setInterval(() => {
    topology.refresh().catch((err: unknown) => logger.warn({ err }, 'topology refresh failed'));
  }, options.topologyRefreshMs ?? DEFAULT_TOPOLOGY_REFRESH_MS);
  timer.unref();
  const close = async () => {
    clearInterval(timer);
    await announcements.close();
    await sticky?.close();
    await queues?.close();
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
    await db.close();
  };
  try {
    await topology.refresh();
    await announcements.follow(redisKeys.topologyChanged(prefix), () => topology.refresh());
  } catch (err) {
    await close();
    throw err;
  }
  return {
    db,
    redis,
    prefix,
    get queues() {
      if (!queues) throw new Error(`${options.service} was built without queues`);
      return queues;
    },
    topology,
    presence: new PresenceStore({ redis, prefix }),
    get sticky() {
      sticky ??= new StickyAssignments({ db, redis, prefix, topology, ...options.sticky });
      return sticky;
    },
    announcements,
    close,
  };
}

async function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (!(await redisReady(redis, timeoutMs)))
    throw new Error(`redis did not answer within ${timeoutMs} ms`);
}

/**
 * Resolves true once the client is ready, or false after `timeoutMs` without it; for a start
 * that goes on without Redis but should not treat a connection still being made as an outage.
 */
export function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      resolve(false);
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', ready);
  });
}
