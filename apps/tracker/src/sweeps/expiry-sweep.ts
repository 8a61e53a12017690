import type pg from 'pg';

export interface ExpiredCampaign {
  id: string;
  deliveries: number;
}

const CHUNK = 10_000;

/**
 * Ends campaigns past their expiry: every unfinished delivery becomes `expired` (in chunks,
 * each one set-based statement, so a million rows never hold one long lock) and the campaign
 * becomes `expired`. A campaign that completed before its expiry keeps `completed`.
 */
export async function expireCampaigns(pool: pg.Pool): Promise<ExpiredCampaign[]> {
  const { rows: due } = await pool.query<{ id: string }>(
    `SELECT id FROM campaigns WHERE expires_at <= now() AND status IN ('scheduled', 'running', 'paused')`,
  );
  const out: ExpiredCampaign[] = [];
  for (const { id } of due) {
    let deliveries = 0;
    // Walks the campaign once in id order: each chunk starts after the previous one.
    let after = 0;
    for (;;) {
      const result = await pool.query<{ id: number }>(
        `UPDATE deliveries SET state = 'expired', expired_at = now(), updated_at = now()
         WHERE id IN (
           SELECT id FROM deliveries
           WHERE campaign_id = $1 AND id > $3 AND state < 'installed'::delivery_state
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [id, CHUNK, after],
      );
      deliveries += result.rows.length;
      if (result.rows.length < CHUNK) break;
      after = Math.max(...result.rows.map((r) => r.id));
    }
    // Counters are exact in every transaction; a delivery skipped while locked, or written
    // by a materialization still running, keeps the campaign for the next sweep.
    const ended = await pool.query(
      `UPDATE campaigns SET status = 'expired', completed_at = now(), paused_reason = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('scheduled', 'running', 'paused')
         AND NOT EXISTS (SELECT 1 FROM campaign_counters
                         WHERE campaign_id = $1 AND state < 'installed'::delivery_state AND count > 0)`,
      [id],
    );
    if ((ended.rowCount ?? 0) > 0) {
      await pool.query(
        `UPDATE campaign_waves SET state = 'done', completed_at = now() WHERE campaign_id = $1 AND state <> 'done'`,
        [id],
      );
      out.push({ id, deliveries });
    }
  }
  return out;
}
