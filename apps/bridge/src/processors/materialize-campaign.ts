import type { Job } from 'bullmq';
import { materializeCampaign, type MaterializeResult } from '@roadcast/campaigns';
import { MaterializeCampaignJob, parseJobData } from '@roadcast/queue';
import type { BridgeContext } from '../bridge-context.js';

/**
 * Writes a large campaign's deliveries chunk by chunk, each chunk's fan-out enqueued as it
 * commits. A retry, or another bridge after this one died, resumes after the last chunk.
 */
export async function processMaterializeCampaign(
  job: Job,
  ctx: BridgeContext,
): Promise<MaterializeResult> {
  const data = parseJobData(MaterializeCampaignJob, job.data, job.name);
  const result = await materializeCampaign(ctx.pipeline, data.campaignId);
  if (result.stopped)
    ctx.logger.info(
      { campaignId: data.campaignId, written: result.written },
      'materialization stopped: campaign ended',
    );
  return result;
}
