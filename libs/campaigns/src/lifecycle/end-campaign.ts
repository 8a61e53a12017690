import { OPEN_DELIVERY_STATES } from '@roadcast/contracts';
import type { PipelineDeps } from '../pipeline-deps.js';
import { campaignSourcesIn, deliverySourcesIn, sqlList } from '../transitions/state-sql.js';
import { statusEvent } from './status-event.js';
import { inTransaction } from './in-transaction.js';
import { closeWaves } from './wave-control.js';

/** Deliveries expired per statement: a million rows never hold one long lock. */
const EXPIRE_CHUNK = 10_000;

/** Nothing open, by the exact counters: `$1` is the campaign. */
const NOTHING_OPEN = `NOT EXISTS (SELECT 1 FROM campaign_counters
  WHERE campaign_id = $1 AND state IN ${sqlList(OPEN_DELIVERY_STATES)} AND count > 0)`;

/**
 * With an automatic retry policy, a failure that will be retried keeps the campaign open.
 * Read only when the counters say nothing else is open, so at most once per completion.
 */
const NO_RETRY_DUE = `(c.auto_retry_max_attempts IS NULL OR NOT EXISTS (
  SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id
    AND d.state = ANY(c.auto_retry_states) AND d.attempt < c.auto_retry_max_attempts))`;

/**
 * Campaign complete: running → completed, with its waves closed; false if something else
 * changed its status first, its deliveries are not all written yet, one is still open, or an
 * automatic retry is still due.
 */
export async function completeCampaign(deps: PipelineDeps, campaignId: string): Promise<boolean> {
  // One transaction: nobody reads a completed campaign with a wave still running.
  return inTransaction(deps.pool, async (client) => {
    const { rowCount } = await client.query(
      `UPDATE campaigns c SET status = 'completed', completed_at = now(), updated_at = now()
       WHERE id = $1 AND ${campaignSourcesIn('complete', 'status')} AND materialized_at IS NOT NULL
         AND ${NOTHING_OPEN} AND ${NO_RETRY_DUE}`,
      [campaignId],
    );
    if (!rowCount) return false;
    await closeWaves(client, campaignId);
    return true;
  });
}

export interface ExpiredCampaign {
  id: string;
  deliveries: number;
}

/**
 * Campaign expire: scheduled | running | paused → expired once past its expiry, with delivery
 * expire (every open delivery → expired) walked in id order in chunks, each one set-based
 * statement. A campaign that completed before its expiry keeps `completed`.
 */
export async function expireCampaigns(deps: PipelineDeps): Promise<ExpiredCampaign[]> {
  const { pool } = deps;
  const { rows: due } = await pool.query<{ id: string }>(
    `SELECT id FROM campaigns WHERE expires_at <= now() AND ${campaignSourcesIn('expire', 'status')}`,
  );
  const out: ExpiredCampaign[] = [];
  for (const { id } of due) {
    let deliveries = 0;
    let after = 0;
    for (;;) {
      const result = await pool.query<{ id: number }>(
        `UPDATE deliveries SET state = 'expired', expired_at = now(), updated_at = now()
         WHERE id IN (
           SELECT id FROM deliveries
           WHERE campaign_id = $1 AND id > $3 AND ${deliverySourcesIn('expire', 'state')}
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [id, EXPIRE_CHUNK, after],
      );
      deliveries += result.rows.length;
      if (result.rows.length < EXPIRE_CHUNK) break;
      after = Math.max(...result.rows.map((r) => r.id));
    }
    // Counters are exact in every transaction; a delivery skipped while locked, or written
    // by a materialization still running, keeps the campaign for the next sweep.
    const ended = await inTransaction(pool, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE campaigns SET status = 'expired', completed_at = now(), paused_reason = NULL,
           ended_reason = 'reached its expiry', updated_at = now()
         WHERE id = $1 AND ${campaignSourcesIn('expire', 'status')} AND ${NOTHING_OPEN}`,
        [id],
      );
      if (rowCount) await closeWaves(client, id);
      return Boolean(rowCount);
    });
    if (ended) {
      await statusEvent(deps, id, 'expired', { expiredDeliveries: deliveries });
      out.push({ id, deliveries });
    }
  }
  return out;
}
