import { CampaignNotFound, WaveNotFound, WaveStateRefused } from '../errors.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import { refuseFor } from './campaign-control.js';
import { approveWave } from './start-campaign.js';
import { statusEvent } from './status-event.js';

/**
 * An operator approves a wave that awaits approval: it starts at once (approveWave) and
 * dashboards are told. Coded refusals: ROADCAST_ERR_CAMPAIGN_NOT_FOUND, ROADCAST_ERR_WAVE_NOT_FOUND,
 * ROADCAST_ERR_CAMPAIGN_STATE (the campaign is not running: approve after resuming it) and
 * ROADCAST_ERR_WAVE_STATE (the wave is not awaiting approval).
 */
export async function approveWaitingWave(
  deps: PipelineDeps,
  campaignId: string,
  wave: number,
  approvedBy: string,
): Promise<void> {
  if (await approveWave(deps, campaignId, wave, approvedBy)) {
    await statusEvent(deps, campaignId, 'running', { wave, waveState: 'running', approvedBy });
    return;
  }
  const { rows } = await deps.pool.query<{ status: string; state: string | null }>(
    `SELECT c.status, w.state::text AS state FROM campaigns c
     LEFT JOIN campaign_waves w ON w.campaign_id = c.id AND w.index = $2
     WHERE c.id = $1`,
    [campaignId, wave],
  );
  const found = rows[0];
  if (!found) throw new CampaignNotFound();
  if (found.state === null) throw new WaveNotFound(String(wave));
  if (found.state !== 'awaiting_approval') throw new WaveStateRefused(String(wave), found.state);
  return refuseFor(deps.pool, campaignId, 'approved');
}
