import type { Job } from 'bullmq';
import { startCampaign } from '@roadcast/campaigns';
import { parseJobData, StartCampaignJob } from '@roadcast/queue';
import type { BridgeContext } from '../bridge-context.js';

/** Starts a scheduled campaign when its delayed job comes due. */
export async function processStartCampaign(
  job: Job,
  ctx: BridgeContext,
): Promise<{ started: boolean }> {
  const data = parseJobData(StartCampaignJob, job.data, job.name);
  const started = await startCampaign(ctx.pipeline, data.campaignId);
  if (!started) {
    const { rows } = await ctx.pool.query<{ due: boolean }>(
      `SELECT start_at <= now() AS due FROM campaigns WHERE id = $1 AND status = 'scheduled'`,
      [data.campaignId],
    );
    // A timer that fired a moment early: let BullMQ's backoff bring the job back.
    if (rows[0] && !rows[0].due) throw new Error('campaign start is not due yet');
  }
  ctx.logger.info({ campaignId: data.campaignId, started }, 'scheduled start');
  return { started };
}
