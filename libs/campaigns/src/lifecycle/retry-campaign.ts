import {
  CAMPAIGN_OPERATIONS,
  DEFAULT_RETRY_STATES,
  RETRY_CAMPAIGN_STATUSES,
  type CampaignStatusName,
  type DeliveryStateName,
  type RetryRequest,
} from '@roadcast/contracts';
import { CampaignNotFound, CampaignStateRefused, UnknownWave } from '../errors.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import {
  retryDeliveries,
  type RetriedByWave,
  type RetryResult,
} from '../deliveries/retry-deliveries.js';
import type { DeliveryWindow, StretchCursors } from '../deliveries/stretch-cursors.js';
import { campaignSourcesIn } from '../transitions/state-sql.js';
import { enqueueDeliveries } from './enqueue-pending.js';
import { inTransaction } from './in-transaction.js';
import { statusEvent } from './status-event.js';

interface LockedCampaign {
  status: CampaignStatusName;
  priority: number;
  live: boolean;
  waves: number;
}

/**
 * An operator's retry: the campaign's failed (and, if asked, timed-out or rejected)
 * deliveries start a new attempt. Allowed while the campaign runs or is paused (the new
 * attempts wait for the resume), and after it completed as long as it has not expired: then
 * the campaign reopens (completed → running). Running campaigns fan the new attempts out at
 * once, through the ordinary fan-out jobs.
 */
export async function retryCampaign(
  deps: PipelineDeps,
  campaignId: string,
  request: RetryRequest,
  retriedBy: string,
): Promise<{ retried: number }> {
  const outcome = await inTransaction(deps.pool, async (client) => {
    // The campaign's row first, as every lifecycle change (and materialization) takes it.
    const { rows } = await client.query<LockedCampaign>(
      `SELECT status, priority, expires_at > now() AS live,
              (SELECT count(*)::int FROM campaign_waves w WHERE w.campaign_id = c.id) AS waves
       FROM campaigns c WHERE id = $1 FOR NO KEY UPDATE`,
      [campaignId],
    );
    const campaign = rows[0];
    if (!campaign) throw new CampaignNotFound();
    if (!RETRY_CAMPAIGN_STATUSES.includes(campaign.status))
      throw new CampaignStateRefused(`a ${campaign.status} campaign cannot be retried`);
    if (!campaign.live)
      throw new CampaignStateRefused('a campaign past its expiry cannot be retried');
    if (request.wave !== undefined && request.wave >= campaign.waves) {
      throw new UnknownWave(campaign.waves, request.wave);
    }
    const result = await retryDeliveries(client, campaignId, {
      states: request.states ?? DEFAULT_RETRY_STATES,
      ...(request.wave !== undefined ? { wave: request.wave } : {}),
      ...(request.maxAttempts !== undefined ? { maxAttempts: request.maxAttempts } : {}),
      retriedBy,
    });
    let status = campaign.status;
    const reopenable: readonly CampaignStatusName[] = CAMPAIGN_OPERATIONS.reopen.from;
    if (result.count > 0 && reopenable.includes(status)) {
      await client.query(
        `UPDATE campaigns SET status = 'running', completed_at = NULL, updated_at = now()
         WHERE id = $1 AND ${campaignSourcesIn('reopen', 'status')}`,
        [campaignId],
      );
      status = 'running';
    }
    return { result, status, reopened: status !== campaign.status, priority: campaign.priority };
  });
  const { result, status, reopened, priority } = outcome;
  if (reopened) await statusEvent(deps, campaignId, 'running', { reopenedBy: 'retry' });
  if (status === 'running') await fanOut(deps, campaignId, result.retried, priority);
  deps.logger?.info(
    { campaignId, retried: result.count, retriedBy, status },
    'deliveries retried as new attempts',
  );
  return { retried: result.count };
}

/** A running campaign with an automatic retry policy. */
export interface AutoRetryCampaign {
  id: string;
  priority: number;
  states: readonly DeliveryStateName[];
  maxAttempts: number;
  backoffSeconds: number;
}

/**
 * The automatic retry policy, over one stretch of a running campaign's deliveries: those
 * that ended in a covered state long enough ago (the backoff doubles with each attempt) and
 * have attempts left start a new one and are fanned out.
 */
export async function retryDue(
  deps: PipelineDeps,
  campaign: AutoRetryCampaign,
  window: DeliveryWindow,
): Promise<RetryResult> {
  const result = await retryDeliveries(deps.pool, campaign.id, {
    states: campaign.states,
    maxAttempts: campaign.maxAttempts,
    backoffSeconds: campaign.backoffSeconds,
    window,
    retriedBy: 'policy',
  });
  await fanOut(deps, campaign.id, result.retried, campaign.priority);
  return result;
}

async function fanOut(
  deps: PipelineDeps,
  campaignId: string,
  retried: RetriedByWave,
  priority: number,
): Promise<void> {
  for (const [wave, ids] of retried) await enqueueDeliveries(deps, campaignId, wave, ids, priority);
}

/**
 * Running campaigns with an automatic retry policy and, by the exact counters, at least one
 * delivery in a state it covers.
 */
const AUTO_RETRY_CAMPAIGNS_SQL = `
SELECT c.id, c.priority, c.auto_retry_states::text[] AS states, c.auto_retry_max_attempts AS "maxAttempts",
       c.auto_retry_backoff_s AS "backoffSeconds"
FROM campaigns c
WHERE c.status = 'running' AND c.auto_retry_max_attempts IS NOT NULL
  AND EXISTS (SELECT 1 FROM campaign_counters k WHERE k.campaign_id = c.id
              AND k.state = ANY(c.auto_retry_states) AND k.count > 0)`;

/**
 * One pass of the automatic retry policy: a stretch of each such campaign, continuing where
 * the last pass stopped. Returns how many deliveries started a new attempt, by campaign.
 */
export async function retryDueDeliveries(
  deps: PipelineDeps,
  cursors: StretchCursors,
): Promise<Map<string, number>> {
  const { rows } = await deps.pool.query<AutoRetryCampaign>(AUTO_RETRY_CAMPAIGNS_SQL);
  cursors.retain(rows.map((r) => r.id));
  const out = new Map<string, number>();
  for (const campaign of rows) {
    const result = await retryDue(deps, campaign, cursors.window(campaign.id));
    cursors.advance(campaign.id, result.next);
    if (result.count > 0) out.set(campaign.id, result.count);
  }
  return out;
}
