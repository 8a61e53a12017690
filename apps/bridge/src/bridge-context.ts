import type pg from 'pg';
import type { Logger } from 'pino';
import type { PipelineDeps } from '@roadcast/campaigns';
import type { CampaignStatusCache } from './campaign-status-cache.js';
import type { NoticePublisher } from './notice-publisher.js';
import type { ProgressEvents } from './progress-events.js';

/** What every processor works with. */
export interface BridgeContext {
  pool: pg.Pool;
  publisher: NoticePublisher;
  statusCache: CampaignStatusCache;
  pipeline: PipelineDeps;
  progress: ProgressEvents;
  logger: Logger;
}
