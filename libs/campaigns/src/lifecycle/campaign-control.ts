import type pg from 'pg';
import { enqueueCampaignStart } from '@roadcast/queue';
import type { CampaignStatusName } from '@roadcast/contracts';
import { CampaignNotFound, CampaignStateRefused } from '../errors.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import { campaignSourcesIn, STARTED_WAVE } from '../transitions/state-sql.js';
import {
  enqueuePendingDeliveries,
  writtenRange,
  WRITTEN_SO_FAR,
  type WrittenSoFar,
} from './enqueue-pending.js';
import { startCampaign } from './start-campaign.js';
import { statusEvent } from './status-event.js';

/** The campaign's status, or ROADCAST_ERR_CAMPAIGN_NOT_FOUND. */
export async function requireCampaign(
  pool: pg.Pool | pg.PoolClient,
  campaignId: string,
): Promise<CampaignStatusName> {
  const { rows } = await pool.query<{ status: CampaignStatusName }>(
    'SELECT status FROM campaigns WHERE id = $1',
    [campaignId],
  );
  if (!rows[0]) throw new CampaignNotFound();
  return rows[0].status;
}

/** ROADCAST_ERR_CAMPAIGN_STATE naming the campaign's status, or NOT_FOUND. */
export async function refuseFor(
  pool: pg.Pool | pg.PoolClient,
  campaignId: string,
  what: string,
): Promise<never> {
  const status = await requireCampaign(pool, campaignId);
  throw new CampaignStateRefused(`a ${status} campaign cannot be ${what}`);
}

/**
 * Campaign pause: scheduled | running → paused. Deliveries not yet published stay pending
 * until the campaign resumes.
 */
export async function pauseCampaign(
  deps: PipelineDeps,
  campaignId: string,
  reason: string,
): Promise<void> {
  const { rows } = await deps.pool.query(
    `UPDATE campaigns SET status = 'paused', paused_reason = $2, updated_at = now()
     WHERE id = $1 AND ${campaignSourcesIn('pause', 'status')} RETURNING id`,
    [campaignId, reason],
  );
  if (rows.length === 0) await refuseFor(deps.pool, campaignId, 'paused');
  await statusEvent(deps, campaignId, 'paused', { reason });
}

/**
 * Campaign resume: paused → running, and the started waves' pending deliveries are enqueued
 * again; a campaign paused before its start goes back to scheduled and starts when due.
 */
export async function resumeCampaign(deps: PipelineDeps, campaignId: string): Promise<void> {
  const { rows } = await deps.pool.query<
    WrittenSoFar & { status: CampaignStatusName; priority: number; startAt: Date }
  >(
    `UPDATE campaigns c SET paused_reason = NULL, updated_at = now(),
       status = CASE WHEN EXISTS (SELECT 1 FROM campaign_waves w WHERE w.campaign_id = c.id AND ${STARTED_WAVE})
                THEN 'running'::campaign_status ELSE 'scheduled'::campaign_status END
     WHERE id = $1 AND ${campaignSourcesIn('resume', 'status')}
     RETURNING status, priority, start_at AS "startAt", ${WRITTEN_SO_FAR}`,
    [campaignId],
  );
  const resumed = rows[0];
  if (!resumed) return refuseFor(deps.pool, campaignId, 'resumed');
  await statusEvent(deps, campaignId, resumed.status);
  if (resumed.status === 'scheduled') {
    if (resumed.startAt.getTime() <= Date.now()) await startCampaign(deps, campaignId);
    else await enqueueCampaignStart(deps.queues, campaignId, resumed.startAt);
    return;
  }
  const waves = await deps.pool.query<{ index: number }>(
    `SELECT index FROM campaign_waves w WHERE campaign_id = $1 AND ${STARTED_WAVE} ORDER BY index`,
    [campaignId],
  );
  await enqueuePendingDeliveries(
    deps,
    campaignId,
    waves.rows.map((w) => w.index),
    resumed.priority,
    writtenRange(resumed),
  );
}
