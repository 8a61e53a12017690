import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Db } from '@roadcast/db';
import type { PipelineDeps } from '@roadcast/campaigns';
import type { EdgeTopology, PresenceStore, StickyAssignments } from '@roadcast/routing';
import type { DependencyHealth } from './services/dependency-health.js';

/** The API's object graph, built by main.ts (or a test) and handed to buildApp. */
export interface ApiDeps {
  /** Ordinary requests: short statements, a bounded wait for a connection. */
  db: Db;
  redis: Redis;
  prefix: string;
  /** Campaign create, pause, resume and cancel, on a pool of their own with long statements. */
  pipeline: PipelineDeps;
  topology: EdgeTopology;
  presence: PresenceStore;
  sticky: StickyAssignments;
  health: DependencyHealth;
  registry: Registry;
  logger: Logger;
  /** Trusted notice-signing public keys (SPKI PEM) by key id, listed for vehicles. */
  publicKeys: ReadonlyMap<string, string>;
}

export interface ApiOptions {
  rateLimitPerSecond: number;
  /** Requests per second per client address without a valid key. */
  unauthenticatedPerSecond: number;
  /** How often instances share rate-limit counts in Redis; 0 keeps each on its own. */
  rateLimitSyncMs: number;
  bulkBodyLimitBytes: number;
  eventsHeartbeatMs: number;
  eventsMaxStreams: number;
  eventsMaxStreamsPerKey: number;
  eventsStreamBufferBytes: number;
  /** Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs). */
  trustedProxies: string[];
  /** Stored hashed at start-up with the admin role. */
  adminApiKey?: string;
}
