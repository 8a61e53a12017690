import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { PipelineQueues } from '@roadcast/queue';

/** What campaign operations need; the API and the bridge build it from their settings. */
export interface PipelineDeps {
  pool: pg.Pool;
  queues: PipelineQueues;
  /** For dashboard events; events are skipped when absent. */
  redis?: Redis;
  prefix: string;
  /** Deliveries per fan-out job. */
  fanoutBatchSize: number;
  materialization?: MaterializationOptions;
  logger?: Logger;
}

export interface MaterializationOptions {
  /**
   * Targets up to this many vehicles are written in the create request's transaction;
   * larger ones stream in the background (default 10,000).
   */
  inlineLimit?: number;
  /** Rows per streamed chunk, one entry per chunk, the last one repeating. */
  chunkSizes?: readonly number[];
  /**
   * Rows a streamed campaign writes before the planner's row count of deliveries is first
   * compared with it (then each time it doubles); see DeliveriesStatistics (default 20,000).
   */
  analyzeAfterRows?: number;
}
