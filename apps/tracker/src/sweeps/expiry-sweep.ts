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
    for (;;) {
      const result = await pool.query(
        `UPDATE deliveries SET state = 'expired', expired_at = now(), updated_at = now()
         WHERE id IN (
           SELECT id FROM deliveries
           WHERE campaign_id = $1 AND state < 'installed'::delivery_state
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [id, CHUNK],
      );
      deliveries += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < CHUNK) break;
    }
    const ended = await pool.query(
      `UPDATE campaigns SET status = 'expired', completed_at = now(), paused_reason = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('scheduled', 'running', 'paused')
         AND NOT EXISTS (SELECT 1 FROM deliveries WHERE campaign_id = $1 AND state < 'installed'::delivery_state)`,
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
