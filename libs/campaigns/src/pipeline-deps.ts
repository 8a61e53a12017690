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
  logger?: Logger;
}
