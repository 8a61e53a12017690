import { CampaignError } from '../errors.js';
import { cancelCampaign } from '../lifecycle/cancel-campaign.js';
import { pauseCampaign } from '../lifecycle/campaign-control.js';
import { completeCampaign } from '../lifecycle/end-campaign.js';
import { startWave } from '../lifecycle/start-campaign.js';
import { statusEvent } from '../lifecycle/status-event.js';
import { holdForApproval } from '../lifecycle/hold-for-approval.js';
import { finishWave } from '../lifecycle/wave-control.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import { decideRollout, type RolloutDecision } from './decide-rollout.js';
import { loadRunningCampaigns } from './load-rollouts.js';

/** A rollout decision that took effect. */
export type RolloutAction = Exclude<RolloutDecision, { action: 'none' }> & { campaignId: string };

/**
 * One pass of the rollout over every running campaign: decides from the exact counters and
 * carries the decision out through the lifecycle operations, each guarded in SQL, so several
 * trackers may run it at once (only one wins each change). Returns what took effect.
 */
export async function advanceRollouts(deps: PipelineDeps): Promise<RolloutAction[]> {
  const done: RolloutAction[] = [];
  for (const campaign of await loadRunningCampaigns(deps.pool)) {
    const decision = decideRollout(campaign);
    const campaignId = campaign.id;
    if (decision.action === 'none') continue;
    if (decision.action === 'pause' || decision.action === 'cancel') {
      try {
        if (decision.action === 'pause') await pauseCampaign(deps, campaignId, decision.reason);
        else await cancelCampaign(deps, campaignId, decision.reason);
        done.push({ ...decision, campaignId });
      } catch (err) {
        // Another tracker or an operator changed the campaign's status first.
        if (!(err instanceof CampaignError)) throw err;
        deps.logger?.debug({ err, campaignId }, `campaign not ${decision.action}ed`);
      }
    } else if (decision.action === 'next-wave') {
      await finishWave(deps.pool, campaignId, decision.finished);
      if (await startWave(deps, campaignId, decision.wave)) done.push({ ...decision, campaignId });
    } else if (decision.action === 'await-approval') {
      await finishWave(deps.pool, campaignId, decision.finished);
      if (await holdForApproval(deps, campaignId, decision.wave))
        done.push({ ...decision, campaignId });
    } else if (await completeCampaign(deps, campaignId)) {
      await statusEvent(deps, campaignId, 'completed');
      done.push({ ...decision, campaignId });
    }
  }
  return done;
}
