/**
 * A server's own latency, from the Prometheus histogram it exposes: two scrapes around a
 * window, the difference of their cumulative buckets, and quantiles interpolated within a
 * bucket the way PromQL's `histogram_quantile` does. A second opinion beside the client's
 * figures that no client-side lag can touch (its resolution is the bucket width).
 */

export interface HistogramSnapshot {
  /** Cumulative counts by upper bound (`+Inf` as Infinity), ascending. */
  buckets: Array<{ le: number; count: number }>;
  count: number;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
    labels[m[1] as string] = m[2] as string;
  return labels;
}

/**
 * The buckets of histogram `name` summed over every series whose labels include `match`
 * (e.g. one route and method, every status class).
 */
export function readHistogram(
  exposition: string,
  name: string,
  match: Record<string, string>,
): HistogramSnapshot {
  const byLe = new Map<number, number>();
  const pattern = new RegExp(`^${name}_bucket\\{([^}]*)\\}\\s+(\\S+)`);
  for (const line of exposition.split('\n')) {
    const m = pattern.exec(line);
    if (!m) continue;
    const labels = parseLabels(m[1] as string);
    if (!Object.entries(match).every(([k, v]) => labels[k] === v)) continue;
    const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + Number(m[2]));
  }
  const buckets = [...byLe.entries()]
    .sort(([a], [b]) => a - b)
    .map(([le, count]) => ({ le, count }));
  return { buckets, count: buckets.at(-1)?.count ?? 0 };
}

/** What was observed between two scrapes of the same histogram. */
export function histogramDelta(
  before: HistogramSnapshot,
  after: HistogramSnapshot,
): HistogramSnapshot {
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]));
  const buckets = after.buckets.map((b) => ({
    le: b.le,
    count: b.count - (earlier.get(b.le) ?? 0),
  }));
  return { buckets, count: buckets.at(-1)?.count ?? 0 };
}

/**
 * The q-quantile, linear within its bucket; when it falls in the `+Inf` bucket the highest
 * finite bound is returned (the true value is above it). NaN without observations.
 */
export function histogramQuantile(h: HistogramSnapshot, q: number): number {
  if (h.count <= 0) return Number.NaN;
  const rank = q * h.count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of h.buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? le : lowerBound + ((le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/** Whether the quantile fell beyond the highest finite bucket (then it is a lower bound). */
export function quantileBeyondBuckets(h: HistogramSnapshot, q: number): boolean {
  const finite = h.buckets.filter((b) => Number.isFinite(b.le)).at(-1);
  return finite !== undefined && finite.count < q * h.count;
}
