/** Summary of one figure over repeated runs: the median, and how far the runs spread. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** First and third quartiles; with fewer than four runs they say little, so the report shows min–max. */
  q1: number;
  q3: number;
  iqr: number;
  /** (max - min) / |median|, so spreads of different units compare; 0 when the median is 0. */
  relativeRange: number;
  count: number;
}

function finiteSorted(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/**
 * The q-quantile with linear interpolation between closest ranks (the common "type 7"
 * definition), so the median of an even count is the mean of the middle two.
 */
export function quantile(values: readonly number[], q: number): number {
  if (q < 0 || q > 1) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  const sorted = finiteSorted(values);
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Median and spread of the finite values; NaN fields and count 0 when there are none. */
export function spread(values: readonly number[]): Spread {
  const sorted = finiteSorted(values);
  if (sorted.length === 0) {
    return {
      median: NaN,
      min: NaN,
      max: NaN,
      q1: NaN,
      q3: NaN,
      iqr: NaN,
      relativeRange: NaN,
      count: 0,
    };
  }
  const mid = quantile(sorted, 0.5);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  return {
    median: mid,
    min,
    max,
    q1,
    q3,
    iqr: q3 - q1,
    relativeRange: mid === 0 ? 0 : (max - min) / Math.abs(mid),
    count: sorted.length,
  };
}
