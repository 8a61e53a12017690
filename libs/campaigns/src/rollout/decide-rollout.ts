import type { WaveStateName } from '@roadcast/contracts';

/** One wave of a running campaign with its exact counts. */
export interface WaveProgress {
  index: number;
  state: WaveStateName;
  size: number;
  successThreshold: number;
  failureThreshold: number;
  installed: number;
  /** Deliveries in a failure state: failed, timed out or rejected. */
  failures: number;
  /** Deliveries still open. */
  unfinished: number;
}

export interface CampaignProgress {
  id: string;
  currentWave: number;
  waves: WaveProgress[];
  /** Its deliveries are still being written: it may stop, but not move on or complete. */
  materializing?: boolean;
  /** What a crossed failure threshold does (pause by default). */
  onFailureThreshold?: 'pause' | 'cancel';
  /** Vehicles may still join (docs/decisions/0351): it runs until it expires or is cancelled. */
  dynamic?: boolean;
}

export type RolloutDecision =
  | { action: 'none' }
  | { action: 'pause' | 'cancel'; wave: number; reason: string }
  | { action: 'next-wave'; wave: number; finished: number }
  | { action: 'complete' };

/**
 * What a running campaign should do next, from exact counters only:
 * - pause (or cancel, as the campaign chose) when a started wave's failures (failed, timed
 *   out, rejected) exceed its failure threshold;
 * - start the next wave when the current one has installed its success threshold;
 * - complete when every wave has started and no delivery is unfinished, unless it is dynamic;
 * - neither of the last two while deliveries are still being written.
 * Vehicles that are offline are neither failures nor successes; they only delay success.
 */
export function decideRollout(campaign: CampaignProgress): RolloutDecision {
  const waves = [...campaign.waves].sort((a, b) => a.index - b.index);
  for (const wave of waves) {
    if (wave.state === 'pending' || wave.state === 'awaiting_approval' || wave.size === 0) continue;
    const share = wave.failures / wave.size;
    if (share > wave.failureThreshold) {
      return {
        action: campaign.onFailureThreshold ?? 'pause',
        wave: wave.index,
        reason:
          `failure threshold exceeded in wave ${wave.index + 1}: ${wave.failures} of ${wave.size} ` +
          `deliveries failed, timed out or were rejected (${percent(share)} > ${percent(wave.failureThreshold)})`,
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
  const allStarted = waves.every((w) => w.state === 'running' || w.state === 'done');
  if (allStarted && !campaign.dynamic && waves.every((w) => w.unfinished === 0))
    return { action: 'complete' };
  return { action: 'none' };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}
