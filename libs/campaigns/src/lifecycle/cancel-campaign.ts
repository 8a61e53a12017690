import { chunk, enqueueCancelNotices } from '@roadcast/queue';
import { TOLD_DELIVERY_STATES } from '@roadcast/contracts';
import type { PipelineDeps } from '../pipeline-deps.js';
import { campaignSourcesIn, deliverySourcesIn, sqlList } from '../transitions/state-sql.js';
import { refuseFor } from './campaign-control.js';
import { inTransaction } from './in-transaction.js';
import { statusEvent } from './status-event.js';
import { closeWaves } from './wave-control.js';

export interface CancelOutcome {
  cancelled: number;
  told: number;
}

// Lock and read each delivery's latest state in the statement that cancels it, so a notice
// recorded as published concurrently is either seen here or, blocked by the lock, finds the
// delivery cancelled and gets its cancel notice from the bridge.
const CANCEL_DELIVERIES_SQL = `
WITH target AS (
  SELECT id, state FROM deliveries
  WHERE campaign_id = $1 AND ${deliverySourcesIn('cancel', 'state')}
  FOR UPDATE
), cancelled AS (
  UPDATE deliveries d SET state = 'cancelled', cancelled_at = now(), updated_at = now()
  FROM target t WHERE d.id = t.id
  RETURNING d.id
)
SELECT NULL::bigint AS id, (SELECT count(*) FROM cancelled)::int AS total
UNION ALL
SELECT t.id, NULL FROM target t WHERE t.state IN ${sqlList(TOLD_DELIVERY_STATES)}`;

/**
 * Campaign cancel: scheduled | running | paused → cancelled, with delivery cancel (every open
 * delivery → cancelled) in the same transaction; vehicles whose session received the notice
 * get a cancel notice. `reason` says why (an operator, or a failure threshold).
 */
export async function cancelCampaign(
  deps: PipelineDeps,
  campaignId: string,
  reason = 'cancelled by an operator',
): Promise<CancelOutcome> {
  const result = await inTransaction(deps.pool, async (client) => {
    const campaign = await client.query<{ priority: number }>(
      `UPDATE campaigns SET status = 'cancelled', completed_at = now(), paused_reason = NULL,
         ended_reason = $2, updated_at = now()
       WHERE id = $1 AND ${campaignSourcesIn('cancel', 'status')} RETURNING priority`,
      [campaignId, reason],
    );
    if (!campaign.rows[0]) return undefined;
    const { rows } = await client.query<{ id: number | null; total: number | null }>(
      CANCEL_DELIVERIES_SQL,
      [campaignId],
    );
    await closeWaves(client, campaignId);
    return {
      priority: campaign.rows[0].priority,
      told: rows.flatMap((r) => (r.id === null ? [] : [r.id])).sort((a, b) => a - b),
      cancelled: rows.find((r) => r.id === null)?.total ?? 0,
    };
  });
  if (!result) return refuseFor(deps.pool, campaignId, 'cancelled');
  const { told, cancelled, priority } = result;
  await enqueueCancelNotices(
    deps.queues,
    chunk(told, deps.fanoutBatchSize).map((deliveryIds) => ({ campaignId, deliveryIds })),
    priority,
  );
  await statusEvent(deps, campaignId, 'cancelled', { cancelled, told: told.length, reason });
  deps.logger?.info({ campaignId, cancelled, told: told.length, reason }, 'campaign cancelled');
  return { cancelled, told: told.length };
}
