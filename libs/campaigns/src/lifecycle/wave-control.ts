import type pg from 'pg';
import { waveSourcesIn } from '../transitions/state-sql.js';

/**
 * Wave awaitApproval: pending → awaiting_approval, for a wave that requires an operator's
 * approval before it starts. False when the wave is not pending.
 */
export async function awaitApproval(
  pool: pg.Pool,
  campaignId: string,
  wave: number,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE campaign_waves SET state = 'awaiting_approval'
     WHERE campaign_id = $1 AND index = $2 AND requires_approval
       AND ${waveSourcesIn('awaitApproval', 'state')}`,
    [campaignId, wave],
  );
  return (rowCount ?? 0) > 0;
}

/** Wave finish: running → done, once the rollout moved past it. */
export async function finishWave(pool: pg.Pool, campaignId: string, wave: number): Promise<void> {
  await pool.query(
    `UPDATE campaign_waves SET state = 'done', completed_at = now()
     WHERE campaign_id = $1 AND index = $2 AND ${waveSourcesIn('finish', 'state')}`,
    [campaignId, wave],
  );
}

/** Wave close: every wave not done → done, as its campaign ends. */
export async function closeWaves(
  client: pg.Pool | pg.PoolClient,
  campaignId: string,
): Promise<void> {
  await client.query(
    `UPDATE campaign_waves SET state = 'done', completed_at = now()
     WHERE campaign_id = $1 AND ${waveSourcesIn('close', 'state')}`,
    [campaignId],
  );
}
