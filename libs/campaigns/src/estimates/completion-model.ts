import type { EstimateBasis } from '@roadcast/contracts';

/**
 * Predicted completion (docs/decisions/0354): when a wave reaches its success threshold and
 * when its last delivery ends, from the counters alone.
 *
 * Vehicles online when a wave starts answer within seconds; the rest (parked, or holding a
 * session on a broker while the car is off) answer when they come back. The model, from three
 * numbers pooled over the campaign's started waves:
 * - return rate λ (per second): each unreached vehicle (pending, published, parked) comes back
 *   at random at the same rate. Measured from one refresh to the next once a wave has settled
 *   (its first minute, when the online vehicles answer, is left out): vehicles that answered
 *   divided by the vehicle-seconds spent waiting, the rate's maximum-likelihood estimate.
 *   The k-th of U such returns comes after (H_U − H_(U−k)) / λ on average (H the harmonic
 *   numbers), the last after H_U / λ;
 * - install share q: of the deliveries that ended, the share installed;
 * - lag L (seconds) from a first answer to the end, by Little's law: in-progress deliveries
 *   divided by the rate at which deliveries end.
 * A wave that has not started starts when the previous one reaches its threshold (unless it
 * waits for an approval, which nobody can predict), and behaves like the others.
 */

export const COMPLETION_METHOD = 'reach-rate';

/** A wave's first minute is the online vehicles answering, not parked ones coming back. */
export const SETTLE_MS = 60_000;

/** Euler–Mascheroni constant: H_n ≈ ln n + γ + 1/(2n) for large n. */
const EULER_GAMMA = 0.5772156649;

/** What the previous refresh saw of a wave, from its stored basis. */
export interface PreviousObservation {
  at: number;
  unreached: number;
  /** Vehicle-seconds spent unreached since the wave settled, and returns in that time. */
  waitedSeconds: number;
  returns: number;
  successAt: number | null;
  completeAt: number | null;
}

export interface WaveObservation {
  index: number;
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
  previous: PreviousObservation | null;
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
  waitedSeconds: number;
  returns: number;
}

/** H_n, the expected time of the last of n returns in units of 1/λ. */
export function harmonic(n: number): number {
  if (n <= 0) return 0;
  if (n > 1000) return Math.log(n) + EULER_GAMMA + 1 / (2 * n);
  let sum = 0;
  for (let i = 1; i <= n; i += 1) sum += 1 / i;
  return sum;
}

/** Waiting and returns of one wave up to now: the previous totals plus the last interval. */
export function accumulate(
  w: WaveObservation,
  now: number,
): { waitedSeconds: number; returns: number } {
  const p = w.previous;
  if (w.startedAt === null || p === null) return { waitedSeconds: 0, returns: 0 };
  // The interval counts only once the wave settled; before, the totals stay at zero.
  if (p.at < w.startedAt + SETTLE_MS) return { waitedSeconds: 0, returns: 0 };
  return {
    waitedSeconds: p.waitedSeconds + (p.unreached * Math.max(0, now - p.at)) / 1000,
    returns: p.returns + Math.max(0, p.unreached - w.unreached),
  };
}

/** λ, q and L pooled over the started waves. */
export function observeRates(c: CampaignObservation): Rates {
  let waitedSeconds = 0;
  let returns = 0;
  let finished = 0;
  let installed = 0;
  let inProgress = 0;
  let endRate = 0;
  let oldest = 0;
  for (const w of c.waves) {
    if (w.startedAt === null || w.size === 0) continue;
    const age = Math.max(0, (c.now - w.startedAt) / 1000);
    const totals = accumulate(w, c.now);
    waitedSeconds += totals.waitedSeconds;
    returns += totals.returns;
    finished += w.installed + w.failures;
    installed += w.installed;
    inProgress += w.inProgress;
    if (age > 0) endRate += (w.installed + w.failures) / age;
    oldest = Math.max(oldest, age);
  }
  return {
    lambda: returns > 0 && waitedSeconds > 0 ? returns / waitedSeconds : null,
    q: finished > 0 ? installed / finished : null,
    lag: endRate > 0 ? inProgress / endRate : null,
    installsPerHour: oldest > 0 ? (installed / oldest) * 3600 : null,
    waitedSeconds,
    returns,
  };
}

/** Keeps a moment already passed as it was first seen, so it does not creep forward. */
const passed = (previous: number | null | undefined, now: number): number =>
  previous != null && previous <= now ? previous : now;

/** Estimates for every wave of one running campaign, in wave order. */
export function estimateCompletion(c: CampaignObservation): PredictedWave[] {
  const rates = observeRates(c);
  const waves = [...c.waves].sort((a, b) => a.index - b.index);
  const out: PredictedWave[] = [];
  const noReturns =
    rates.waitedSeconds > 0
      ? `no unreached vehicle has come back yet (watched for ${Math.round(rates.waitedSeconds / 3600)} vehicle-hours)`
      : 'vehicles coming back have not been observed yet';
  const noEnd = 'no delivery has ended yet';
  // When the wave before reaches its threshold: when a pending wave starts.
  let predictedStart: number | null = null;
  let startReason: string | null = c.waves.some((w) => w.startedAt !== null)
    ? null
    : 'no wave has started yet';
  for (const w of waves) {
    const needed = Math.max(0, Math.ceil(w.successThreshold * w.size - 1e-9) - w.installed);
    const totals = accumulate(w, c.now);
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
      waitedSeconds: totals.waitedSeconds,
      returns: totals.returns,
      startAt: null,
      cappedAtExpiry: false,
      reason: null,
    };
    const finish = (successAt: number | null, completeAt: number | null, reason: string | null) => {
      basis.reason = reason;
      out.push({ wave: w.index, successAt, completeAt, method: COMPLETION_METHOD, basis });
      predictedStart = successAt;
      startReason = successAt === null ? `wave ${w.index + 1} has no predicted success` : null;
    };
    if (w.startedAt === null && w.awaitsApproval) {
      finish(null, null, 'the wave waits for an operator to approve it');
      startReason = `wave ${w.index + 1} waits for an approval`;
      continue;
    }
    const start = w.startedAt ?? predictedStart;
    if (start === null) {
      finish(null, null, startReason ?? 'the wave has not started');
      continue;
    }
    basis.startAt = new Date(start).toISOString();
    const started = w.startedAt !== null;
    const from = Math.max(start, c.now);
    const unreached = started ? w.unreached : w.size;
    const inProgress = started ? w.inProgress : 0;
    const { lambda, q, lag } = rates;
    const reasons: string[] = [];

    let successAt: number | null = null;
    if (started && needed === 0) successAt = passed(w.previous?.successAt, c.now);
    else if (q === null || lag === null) reasons.push(noEnd);
    else {
      const fromInProgress = inProgress * q;
      // Returns needed: the k-th of U random returns comes after (H_U − H_(U−k)) / λ.
      const arrivals = Math.ceil((needed - fromInProgress) / q - 1e-9);
      if (needed <= fromInProgress) successAt = from + 1000 * lag * (needed / fromInProgress);
      else if (arrivals > unreached) {
        reasons.push(
          `at the observed install share (${(q * 100).toFixed(1)}%) the wave is expected to ` +
            `install ${Math.floor(w.installed + fromInProgress + unreached * q)} of the ` +
            `${w.installed + needed} its threshold needs`,
        );
      } else if (lambda === null) reasons.push(noReturns);
      else {
        const wait = (harmonic(unreached) - harmonic(unreached - arrivals)) / lambda;
        successAt = from + 1000 * (lag + wait);
      }
      if (successAt !== null && successAt > c.expiresAt) {
        successAt = null;
        reasons.push('the threshold is not expected before the campaign expires');
      }
    }

    let completeAt: number | null = null;
    if (started && unreached + inProgress === 0) completeAt = passed(w.previous?.completeAt, c.now);
    else if (unreached > 0 && lambda === null) reasons.push(noReturns);
    else if (inProgress > 0 && lag === null) reasons.push(noEnd);
    else {
      completeAt = from + 1000 * ((lag ?? 0) + (unreached > 0 ? harmonic(unreached) / lambda! : 0));
      if (completeAt > c.expiresAt) {
        completeAt = c.expiresAt;
        basis.cappedAtExpiry = true;
      }
    }
    finish(successAt, completeAt, reasons.length ? [...new Set(reasons)].join('; ') : null);
  }
  return out;
}
