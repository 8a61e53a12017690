import type { EstimateBasis } from '@roadcast/contracts';

/**
 * Predicted completion (docs/decisions/0354): when a wave reaches its success threshold and
 * when its last delivery ends, from the counters alone.
 *
 * The model, in three observed numbers pooled over the campaign's started waves:
 * - reach rate λ (per second): vehicles come back online at random, each at the same rate, so
 *   the share of a wave not yet reached (pending, published, parked) after it ran for a
 *   seconds is e^(−λa); λ = ln(N / U) / a, with U taken as at least half a vehicle; the k-th
 *   of U such arrivals comes after (H_U − H_(U−k)) / λ on average (H the harmonic numbers);
 * - install share q: of the reached deliveries that ended, the share installed;
 * - lag L (seconds) from reached to ended, by Little's law: in-progress deliveries divided by
 *   the rate at which deliveries end.
 * A wave that has not started starts when the previous one reaches its threshold (unless it
 * waits for an approval, which nobody can predict), and behaves like the others.
 */

export const COMPLETION_METHOD = 'reach-rate';

/** Euler–Mascheroni constant: H_n ≈ ln n + γ for the expected last of n arrivals. */
const EULER_GAMMA = 0.5772156649;

export interface WaveObservation {
  index: number;
  state: 'pending' | 'awaiting_approval' | 'running' | 'done';
  /** Deliveries in the wave. */
  size: number;
  /** Installed share that starts the next wave (0–1). */
  successThreshold: number;
  /** The wave waits for an operator's approval before it starts. */
  awaitsApproval: boolean;
  startedAt: number | null;
  /** Pending, published or parked: the vehicle has not answered yet. */
  unreached: number;
  /** Received, downloading, installing or verifying. */
  inProgress: number;
  installed: number;
  /** Failed, timed out or rejected. */
  failures: number;
  /** When an earlier estimate already put the threshold or the end in the past. */
  previousSuccessAt: number | null;
  previousCompleteAt: number | null;
}

export interface CampaignObservation {
  now: number;
  expiresAt: number;
  waves: readonly WaveObservation[];
}

/** One wave's prediction; times in epoch milliseconds. */
export interface PredictedWave {
  wave: number;
  successAt: number | null;
  completeAt: number | null;
  method: typeof COMPLETION_METHOD;
  basis: EstimateBasis;
}

interface Rates {
  lambda: number | null;
  q: number | null;
  lag: number | null;
  installsPerHour: number | null;
  reason: string | null;
}

/** λ, q and L pooled over the started waves; a reason when one cannot be observed yet. */
export function observeRates(c: CampaignObservation): Rates {
  const started = c.waves.filter((w) => w.startedAt !== null && w.size > 0);
  let weighted = 0;
  let weight = 0;
  let finished = 0;
  let installed = 0;
  let inProgress = 0;
  let endRate = 0;
  let reachedAny = false;
  for (const w of started) {
    const age = Math.max(0, (c.now - w.startedAt!) / 1000);
    if (age <= 0) continue;
    if (w.unreached < w.size) reachedAny = true;
    weighted += (w.size * Math.log(w.size / Math.max(w.unreached, 0.5))) / age;
    weight += w.size;
    finished += w.installed + w.failures;
    installed += w.installed;
    inProgress += w.inProgress;
    endRate += (w.installed + w.failures) / age;
  }
  const rates: Rates = {
    lambda: reachedAny && weight > 0 ? weighted / weight : null,
    q: finished > 0 ? installed / finished : null,
    lag: endRate > 0 ? inProgress / endRate : null,
    installsPerHour: null,
    reason: null,
  };
  const totalAge = started.reduce((s, w) => Math.max(s, (c.now - w.startedAt!) / 1000), 0);
  if (totalAge > 0) rates.installsPerHour = (installed / totalAge) * 3600;
  if (started.length === 0) rates.reason = 'no wave has started yet';
  else if (rates.lambda === null) rates.reason = 'no vehicle has answered yet';
  else if (rates.q === null || rates.lag === null) rates.reason = 'no delivery has ended yet';
  return rates;
}

/** H_n, the expected time of the last of n arrivals in units of 1/λ. */
export function harmonic(n: number): number {
  if (n <= 0) return 0;
  if (n > 1000) return Math.log(n) + EULER_GAMMA + 1 / (2 * n);
  let sum = 0;
  for (let i = 1; i <= n; i += 1) sum += 1 / i;
  return sum;
}

/** Keeps a moment already passed as it was first seen, so it does not creep forward. */
const passed = (previous: number | null, now: number): number =>
  previous !== null && previous <= now ? previous : now;

/** Estimates for every wave of one running campaign, in wave order. */
export function estimateCompletion(c: CampaignObservation): PredictedWave[] {
  const rates = observeRates(c);
  const waves = [...c.waves].sort((a, b) => a.index - b.index);
  const out: PredictedWave[] = [];
  // When the wave before reaches its threshold: when a pending wave starts.
  let predictedStart: number | null = null;
  let startReason: string | null = null;
  for (const w of waves) {
    const needed = Math.max(0, Math.ceil(w.successThreshold * w.size - 1e-9) - w.installed);
    const basis: EstimateBasis = {
      reachRatePerHour: rates.lambda === null ? null : rates.lambda * 3600,
      installShare: rates.q,
      lagSeconds: rates.lag,
      installsPerHour: rates.installsPerHour,
      waveSize: w.size,
      installed: w.installed,
      unreached: w.unreached,
      inProgress: w.inProgress,
      failures: w.failures,
      neededForThreshold: needed,
      startAt: null,
      cappedAtExpiry: false,
      reason: null,
    };
    const start = w.startedAt ?? predictedStart;
    const estimate = (
      successAt: number | null,
      completeAt: number | null,
      reason: string | null,
    ) => {
      basis.reason = reason;
      out.push({ wave: w.index, successAt, completeAt, method: COMPLETION_METHOD, basis });
      predictedStart = successAt;
      startReason = successAt === null ? `wave ${w.index + 1} has no predicted success` : null;
    };
    if (w.startedAt === null && w.awaitsApproval) {
      estimate(null, null, 'the wave waits for an operator to approve it');
      startReason = `wave ${w.index + 1} waits for an approval`;
      continue;
    }
    if (start === null) {
      estimate(null, null, rates.reason ?? startReason ?? 'the wave has not started');
      continue;
    }
    basis.startAt = new Date(start).toISOString();
    const open = w.unreached + w.inProgress;
    const from = Math.max(start, c.now);
    // Counts of a pending wave are still all unreached: it starts from nothing.
    const successDone = needed === 0 && w.startedAt !== null;
    if (rates.lambda === null || rates.q === null || rates.lag === null) {
      estimate(
        successDone ? passed(w.previousSuccessAt, c.now) : null,
        open === 0 && w.startedAt !== null ? passed(w.previousCompleteAt, c.now) : null,
        rates.reason,
      );
      continue;
    }
    const { lambda, q, lag } = rates;
    let successAt: number | null = null;
    let reason: string | null = null;
    if (successDone) successAt = passed(w.previousSuccessAt, c.now);
    else {
      const unreached = w.startedAt === null ? w.size : w.unreached;
      const inProgress = w.startedAt === null ? 0 : w.inProgress;
      const fromInProgress = inProgress * q;
      if (needed <= fromInProgress) successAt = from + 1000 * lag * (needed / fromInProgress);
      else {
        const rest = needed - fromInProgress;
        // Arrivals needed: the k-th of U random arrivals comes, on average, after
        // (H_U − H_(U−k)) / λ; k = U is the last one, as for the end below.
        const arrivals = Math.ceil(rest / q - 1e-9);
        if (arrivals > unreached) {
          reason =
            `at the observed install share (${(q * 100).toFixed(1)}%) the wave is expected to ` +
            `install ${Math.floor(w.installed + fromInProgress + unreached * q)} of the ` +
            `${w.installed + needed} its threshold needs`;
        } else {
          const wait = (harmonic(unreached) - harmonic(unreached - arrivals)) / lambda;
          successAt = from + 1000 * (lag + wait);
        }
      }
      if (successAt !== null && successAt > c.expiresAt) {
        successAt = null;
        reason = 'the threshold is not expected before the campaign expires';
      }
    }
    const unreached = w.startedAt === null ? w.size : w.unreached;
    let completeAt: number;
    if (open === 0 && w.startedAt !== null) completeAt = passed(w.previousCompleteAt, c.now);
    else completeAt = from + 1000 * (lag + harmonic(unreached) / lambda);
    if (completeAt > c.expiresAt) {
      completeAt = c.expiresAt;
      basis.cappedAtExpiry = true;
    }
    estimate(successAt, completeAt, reason);
  }
  return out;
}
