import type pg from 'pg';

/** One wave of a running campaign with its exact counts. */
export interface WaveProgress {
  index: number;
  state: 'pending' | 'running' | 'done';
  size: number;
  successThreshold: number;
  failureThreshold: number;
  installed: number;
  failures: number;
  unfinished: number;
}

export interface CampaignProgress {
  id: string;
  currentWave: number;
  waves: WaveProgress[];
  /** Its deliveries are still being written: it may pause, but not move on or complete. */
  materializing?: boolean;
}

export type RolloutDecision =
  | { action: 'none' }
  | { action: 'pause'; wave: number; reason: string }
  | { action: 'next-wave'; wave: number; finished: number }
  | { action: 'complete' };

/**
 * What a running campaign should do next, from exact counters only:
 * - pause when a started wave's failures (failed + rejected) exceed its failure threshold;
 * - start the next wave when the current one has installed its success threshold;
 * - complete when every wave has started and no delivery is unfinished;
 * - neither of the last two while deliveries are still being written.
 * Vehicles that are offline are neither failures nor successes; they only delay success.
 */
export function decideRollout(campaign: CampaignProgress): RolloutDecision {
  const waves = [...campaign.waves].sort((a, b) => a.index - b.index);
  for (const wave of waves) {
    if (wave.state === 'pending' || wave.size === 0) continue;
    const share = wave.failures / wave.size;
    if (share > wave.failureThreshold) {
      return {
        action: 'pause',
        wave: wave.index,
        reason:
          `failure threshold exceeded in wave ${wave.index + 1}: ${wave.failures} of ${wave.size} ` +
          `deliveries failed or were rejected (${percent(share)} > ${percent(wave.failureThreshold)})`,
      };
    }
  }
  if (campaign.materializing) return { action: 'none' };
  const current = waves.find((w) => w.index === campaign.currentWave);
  const next = waves.find((w) => w.index === campaign.currentWave + 1);
  if (current && next && next.state === 'pending') {
    const installedShare = current.size === 0 ? 1 : current.installed / current.size;
    if (installedShare >= current.successThreshold) {
      return { action: 'next-wave', wave: next.index, finished: current.index };
    }
    return { action: 'none' };
  }
  const allStarted = waves.every((w) => w.state !== 'pending');
  if (allStarted && waves.every((w) => w.unfinished === 0)) return { action: 'complete' };
  return { action: 'none' };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

/** Running campaigns with their waves and exact per-wave counts. */
export async function loadRunningCampaigns(pool: pg.Pool): Promise<CampaignProgress[]> {
  const { rows } = await pool.query<{
    id: string;
    currentWave: number;
    materializing: boolean;
    index: number;
    state: WaveProgress['state'];
    size: number;
    successThreshold: number;
    failureThreshold: number;
    installed: number;
    failures: number;
    unfinished: number;
  }>(
    `SELECT c.id, c.current_wave AS "currentWave", c.materialized_at IS NULL AS materializing,
            w.index, w.state::text AS state, w.size,
            w.success_threshold AS "successThreshold", w.failure_threshold AS "failureThreshold",
            COALESCE(sum(k.count) FILTER (WHERE k.state = 'installed'), 0)::bigint AS installed,
            COALESCE(sum(k.count) FILTER (WHERE k.state IN ('failed', 'rejected')), 0)::bigint AS failures,
            COALESCE(sum(k.count) FILTER (WHERE k.state < 'installed'::delivery_state), 0)::bigint AS unfinished
     FROM campaigns c
     JOIN campaign_waves w ON w.campaign_id = c.id
     LEFT JOIN campaign_counters k ON k.campaign_id = c.id AND k.wave = w.index
     WHERE c.status = 'running'
     GROUP BY c.id, c.current_wave, c.materialized_at, w.index, w.state, w.size, w.success_threshold, w.failure_threshold
     ORDER BY c.id, w.index`,
  );
  const campaigns = new Map<string, CampaignProgress>();
  for (const r of rows) {
    const c = campaigns.get(r.id) ?? {
      id: r.id,
      currentWave: r.currentWave,
      waves: [],
      materializing: r.materializing,
    };
    c.waves.push({
      index: r.index,
      state: r.state,
      size: Number(r.size),
      successThreshold: Number(r.successThreshold),
      failureThreshold: Number(r.failureThreshold),
      installed: Number(r.installed),
      failures: Number(r.failures),
      unfinished: Number(r.unfinished),
    });
    campaigns.set(r.id, c);
  }
  return [...campaigns.values()];
}

/**
 * Marks a running campaign completed; false if something else changed its status first, or
 * its deliveries are not all written yet. "Nothing unfinished" comes from the exact counters.
 */
export async function completeCampaign(pool: pg.Pool, campaignId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE campaigns SET status = 'completed', completed_at = now(), updated_at = now()
     WHERE id = $1 AND status = 'running' AND materialized_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM campaign_counters
                       WHERE campaign_id = $1 AND state < 'installed'::delivery_state AND count > 0)`,
    [campaignId],
  );
  if (!rowCount) return false;
  await pool.query(
    `UPDATE campaign_waves SET state = 'done', completed_at = now() WHERE campaign_id = $1 AND state <> 'done'`,
    [campaignId],
  );
  return true;
}

/** Marks a wave done once the rollout moved past it. */
export async function finishWave(pool: pg.Pool, campaignId: string, wave: number): Promise<void> {
  await pool.query(
    `UPDATE campaign_waves SET state = 'done', completed_at = now()
     WHERE campaign_id = $1 AND index = $2 AND state = 'running'`,
    [campaignId, wave],
  );
}
