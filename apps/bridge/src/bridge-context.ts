import type pg from 'pg';
import type { Logger } from 'pino';
import type { PipelineDeps } from '@roadcast/campaigns';
import type { CampaignPacing } from './campaign-pacing.js';
import type { CampaignStatusCache } from './campaign-status-cache.js';
import type { NoticePublisher } from './notice-publisher.js';
import type { ProgressEvents } from './progress-events.js';

/** What every processor works with. */
export interface BridgeContext {
  pool: pg.Pool;
  publisher: NoticePublisher;
  statusCache: CampaignStatusCache;
  /** Rate, ramp-up and maintenance windows (docs/decisions/0347, 0348). */
  pacing: CampaignPacing;
  pipeline: PipelineDeps;
  progress: ProgressEvents;
  logger: Logger;
}
