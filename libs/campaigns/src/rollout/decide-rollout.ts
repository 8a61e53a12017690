import { MIN_REACHED_SHARE, type WaveStateName } from '@roadcast/contracts';

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
  /** Deliveries whose vehicle answered the notice (REACHED_DELIVERY_STATES). */
  reached?: number;
  /** The wave waits for an operator's approval before it starts. */
  requiresApproval?: boolean;
}

export interface CampaignProgress {
  id: string;
  currentWave: number;
  waves: WaveProgress[];
  /** Its deliveries are still being written: it may stop, but not move on or complete. */
  materializing?: boolean;
  /** What a crossed failure threshold does (pause by default). */
  onFailureThreshold?: 'pause' | 'cancel';
  /** What the thresholds' shares are of: every delivery of the wave (default) or the reached. */
  thresholdBasis?: 'target' | 'reached';
  /** Vehicles may still join (docs/decisions/0351): it runs until it expires or is cancelled. */
  dynamic?: boolean;
}

export type RolloutDecision =
  | { action: 'none' }
  | { action: 'pause' | 'cancel'; wave: number; reason: string }
  | { action: 'next-wave' | 'await-approval'; wave: number; finished: number }
  | { action: 'complete' };

/**
 * What a running campaign should do next, from exact counters only:
 * - pause (or cancel, as the campaign chose) when a started wave's failures (failed, timed
 *   out, rejected) exceed its failure threshold;
 * - move on when the current wave has installed its success threshold: start the next wave,
 *   or hold it for an operator's approval when it requires one;
 * - complete when every wave has started and no delivery is unfinished, unless it is dynamic;
 * - neither of the last two while deliveries are still being written.
 * Vehicles that are offline are neither failures nor successes. With the `target` basis they
 * delay success; with `reached` the shares are of the vehicles that answered, once at least
 * MIN_REACHED_SHARE of the wave (and one vehicle) did (docs/decisions/0345).
 */
export function decideRollout(campaign: CampaignProgress): RolloutDecision {
  const waves = [...campaign.waves].sort((a, b) => a.index - b.index);
  const basis = campaign.thresholdBasis ?? 'target';
  for (const wave of waves) {
    if (wave.state === 'pending' || wave.state === 'awaiting_approval' || wave.size === 0) continue;
    const failed = failureShare(wave, basis);
    if (failed) {
      return {
        action: campaign.onFailureThreshold ?? 'pause',
        wave: wave.index,
        reason:
          `failure threshold exceeded in wave ${wave.index + 1}: ${wave.failures} of ${failed.of} ` +
          `${failed.what} failed, timed out or were rejected ` +
          `(${percent(failed.share)} > ${percent(wave.failureThreshold)})`,
      };
    }
  }
  if (campaign.materializing) return { action: 'none' };
  const current = waves.find((w) => w.index === campaign.currentWave);
  const next = waves.find((w) => w.index === campaign.currentWave + 1);
  if (current && next && next.state === 'pending') {
    // Only a wave that ran hands over; one still waiting for its approval does not.
    if (current.state === 'pending' || current.state === 'awaiting_approval')
      return { action: 'none' };
    if (!succeeded(current, basis)) return { action: 'none' };
    return {
      action: next.requiresApproval ? 'await-approval' : 'next-wave',
      wave: next.index,
      finished: current.index,
    };
  }
  const allStarted = waves.every((w) => w.state === 'running' || w.state === 'done');
  if (allStarted && !campaign.dynamic && waves.every((w) => w.unfinished === 0))
    return { action: 'complete' };
  return { action: 'none' };
}

/** Whether enough of the wave answered for shares of the reached to be judged. */
function enoughReached(wave: WaveProgress): boolean {
  const reached = wave.reached ?? 0;
  return reached >= 1 && reached >= wave.size * MIN_REACHED_SHARE;
}

function succeeded(wave: WaveProgress, basis: 'target' | 'reached'): boolean {
  if (wave.size === 0) return true;
  if (basis === 'reached') {
    return enoughReached(wave) && wave.installed / wave.reached! >= wave.successThreshold;
  }
  return wave.installed / wave.size >= wave.successThreshold;
}

/**
 * The failure share that crossed the wave's threshold, or undefined. Over the whole wave with
 * either basis (a share of the reached is never below it), and with `reached` also over the
 * vehicles that answered, once enough did.
 */
function failureShare(
  wave: WaveProgress,
  basis: 'target' | 'reached',
): { share: number; of: number; what: string } | undefined {
  const ofTarget = wave.failures / wave.size;
  if (ofTarget > wave.failureThreshold)
    return { share: ofTarget, of: wave.size, what: 'deliveries' };
  if (basis !== 'reached' || !enoughReached(wave)) return undefined;
  const ofReached = wave.failures / wave.reached!;
  if (ofReached > wave.failureThreshold)
    return { share: ofReached, of: wave.reached!, what: 'reached vehicles' };
  return undefined;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}
