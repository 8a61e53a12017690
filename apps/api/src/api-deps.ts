import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Db } from '@roadcast/db';
import type { PipelineDeps } from '@roadcast/campaigns';
import type { EdgeTopology, PresenceStore, StickyAssignments } from '@roadcast/routing';

/** The API's object graph, built by main.ts (or a test) and handed to buildApp. */
export interface ApiDeps {
  db: Db;
  redis: Redis;
  prefix: string;
  pipeline: PipelineDeps;
  topology: EdgeTopology;
  presence: PresenceStore;
  sticky: StickyAssignments;
  registry: Registry;
  logger: Logger;
  /** Trusted notice-signing public keys (SPKI PEM) by key id, listed for vehicles. */
  publicKeys: ReadonlyMap<string, string>;
}

export interface ApiOptions {
  rateLimitPerSecond: number;
  bulkBodyLimitBytes: number;
  eventsHeartbeatMs: number;
  /** Stored hashed at start-up with the admin role. */
  adminApiKey?: string;
}
