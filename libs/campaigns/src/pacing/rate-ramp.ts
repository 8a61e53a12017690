/** A campaign's rate options as `campaigns` stores them (docs/decisions/0347). */
export interface RateColumns {
  ratePerMinute: number | null;
  rampInitialPerMinute: number | null;
  rampFactor: number | null;
  rampStepS: number | null;
  rampStepSuccesses: number | null;
}

/** What the ramp grows with: time since the first wave started, or installed deliveries. */
export interface RampProgress {
  /** When the campaign's first wave started; null before it starts. */
  startedAt: Date | null;
  /** Installed deliveries of the campaign (the counters). */
  installed: number;
}

/** Beyond this many steps every factor ≥ 1.01 has passed any maximum the options allow. */
const MAX_STEPS = 2_000;

/**
 * First notices per minute the campaign may send now, or null when it has no limit. Without
 * a ramp it is the maximum; with one it starts at `initialPerMinute` and is multiplied by
 * `factor` at every step (every `stepSeconds` since the first wave started, or every
 * `stepSuccesses` installed deliveries), never above the maximum.
 */
export function allowedPerMinute(
  rate: RateColumns,
  progress: RampProgress,
  now: number = Date.now(),
): number | null {
  if (rate.ratePerMinute === null) return null;
  const max = rate.ratePerMinute;
  if (rate.rampInitialPerMinute === null || rate.rampFactor === null) return max;
  let steps = 0;
  if (rate.rampStepS !== null && progress.startedAt !== null)
    steps = Math.floor(Math.max(0, now - progress.startedAt.getTime()) / (rate.rampStepS * 1000));
  else if (rate.rampStepSuccesses !== null)
    steps = Math.floor(progress.installed / rate.rampStepSuccesses);
  const ramped = rate.rampInitialPerMinute * rate.rampFactor ** Math.min(steps, MAX_STEPS);
  return Math.min(max, Math.floor(ramped));
}
