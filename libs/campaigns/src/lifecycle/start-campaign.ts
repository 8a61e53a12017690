import type { WaveOperationName } from '@roadcast/contracts';
import type { PipelineDeps } from '../pipeline-deps.js';
import { campaignSourcesIn, waveSourcesIn } from '../transitions/state-sql.js';
import {
  enqueuePendingDeliveries,
  writtenRange,
  WRITTEN_SO_FAR,
  type WrittenSoFar,
} from './enqueue-pending.js';
import { inTransaction } from './in-transaction.js';
import { statusEvent } from './status-event.js';
import { holdForApproval } from './hold-for-approval.js';

/**
 * Campaign start: scheduled → running, once due, and its first wave starts. Safe to call
 * more than once: only the call that changes the status starts the wave.
 */
export async function startCampaign(deps: PipelineDeps, campaignId: string): Promise<boolean> {
  const { rows } = await deps.pool.query(
    `UPDATE campaigns SET status = 'running', current_wave = 0, updated_at = now()
     WHERE id = $1 AND ${campaignSourcesIn('start', 'status')} AND start_at <= now()
     RETURNING id`,
    [campaignId],
  );
  if (rows.length === 0) return false;
  await statusEvent(deps, campaignId, 'running');
  // A first wave that requires approval waits for it like any other (docs/decisions/0344).
  if (!(await holdForApproval(deps, campaignId, 0))) await startWave(deps, campaignId, 0);
  return true;
}

/**
 * Wave start: pending → running, in a running campaign: it becomes the current wave and its
 * pending deliveries are enqueued for fan-out. The tracker calls this to roll a campaign
 * forward. False when the wave had already started or the campaign is not running.
 */
export function startWave(deps: PipelineDeps, campaignId: string, wave: number): Promise<boolean> {
  return runWave(deps, campaignId, wave, 'start');
}

/**
 * Wave approval: awaiting_approval → running, recording who approved it, then as a start.
 * False when the wave is not awaiting approval or the campaign is not running.
 */
export function approveWave(
  deps: PipelineDeps,
  campaignId: string,
  wave: number,
  approvedBy: string,
): Promise<boolean> {
  return runWave(deps, campaignId, wave, 'approve', approvedBy);
}

async function runWave(
  deps: PipelineDeps,
  campaignId: string,
  wave: number,
  operation: Extract<WaveOperationName, 'start' | 'approve'>,
  approvedBy?: string,
): Promise<boolean> {
  // The campaign's row first, as materialization does: see docs/decisions/0305.
  const started = await inTransaction(deps.pool, async (client) => {
    const campaign = await client.query<WrittenSoFar & { priority: number }>(
      `SELECT priority, ${WRITTEN_SO_FAR} FROM campaigns
       WHERE id = $1 AND status = 'running' FOR NO KEY UPDATE`,
      [campaignId],
    );
    if (!campaign.rows[0]) return undefined;
    const changed = await client.query(
      `UPDATE campaign_waves SET state = 'running', started_at = now(),
         approved_at = CASE WHEN $3::text IS NULL THEN approved_at ELSE now() END,
         approved_by = COALESCE($3::text, approved_by)
       WHERE campaign_id = $1 AND index = $2 AND ${waveSourcesIn(operation, 'state')}
       RETURNING index`,
      [campaignId, wave, approvedBy ?? null],
    );
    if (changed.rows.length === 0) return undefined;
    await client.query(
      `UPDATE campaigns SET current_wave = GREATEST(current_wave, $2), updated_at = now() WHERE id = $1`,
      [campaignId, wave],
    );
    return campaign.rows[0];
  });
  if (!started) return false;
  const jobs = await enqueuePendingDeliveries(
    deps,
    campaignId,
    [wave],
    started.priority,
    writtenRange(started),
  );
  deps.logger?.info({ campaignId, wave, jobs, approvedBy }, 'wave started');
  return true;
}
