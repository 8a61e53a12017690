import { appendEvent } from '@roadcast/queue';
import type { CampaignStatusName } from '@roadcast/contracts';
import type { PipelineDeps } from '../pipeline-deps.js';

/** Tells dashboards a campaign's status changed; an event that cannot be written is only logged. */
export async function statusEvent(
  deps: Pick<PipelineDeps, 'redis' | 'prefix' | 'logger'>,
  campaignId: string,
  status: CampaignStatusName,
  data: Record<string, unknown> = {},
): Promise<void> {
  if (!deps.redis) return;
  await appendEvent(deps.redis, deps.prefix, {
    type: 'campaign.status',
    at: new Date().toISOString(),
    campaignId,
    data: { status, ...data },
  }).catch((err: unknown) => deps.logger?.warn({ err, campaignId }, 'event not recorded'));
}
