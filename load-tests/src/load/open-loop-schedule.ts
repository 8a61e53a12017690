/**
 * An open-loop timetable: request i is due at start + i / rate, whatever happened to earlier
 * requests. A generator that falls behind sends the backlog late and says so, and every
 * latency is measured from the time the request was due, so a stalled server or a stalled
 * generator cannot hide behind requests that were never sent (coordinated omission).
 */
export class OpenLoopSchedule {
  private readonly intervalMs: number;
  private issued = 0;
  private onTime = 0;
  private maxLatenessMs = 0;

  constructor(
    readonly ratePerSecond: number,
    readonly startMs: number,
    /** A request that leaves at most this much after its due time counts as on time. */
    readonly toleranceMs = 10,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`rate must be above 0, got ${ratePerSecond}`);
    this.intervalMs = 1000 / ratePerSecond;
  }

  /** When request `index` (from 0) is due. */
  dueAt(index: number): number {
    return this.startMs + index * this.intervalMs;
  }

  /** How many requests are due by `nowMs` in all (sent or not). */
  dueBy(nowMs: number): number {
    if (nowMs < this.startMs) return 0;
    return Math.floor((nowMs - this.startMs) / this.intervalMs) + 1;
  }

  /**
   * The requests to send now: every one due and not yet sent, each with its due time. Their
   * lateness is recorded against the tolerance.
   */
  take(nowMs: number, limit = Number.POSITIVE_INFINITY): Array<{ index: number; dueMs: number }> {
    const due = Math.min(this.dueBy(nowMs), this.issued + limit);
    const out: Array<{ index: number; dueMs: number }> = [];
    for (; this.issued < due; this.issued += 1) {
      const dueMs = this.dueAt(this.issued);
      const late = nowMs - dueMs;
      if (late <= this.toleranceMs) this.onTime += 1;
      if (late > this.maxLatenessMs) this.maxLatenessMs = late;
      out.push({ index: this.issued, dueMs });
    }
    return out;
  }

  /** When the next request is due, to sleep until then. */
  nextDueMs(): number {
    return this.dueAt(this.issued);
  }

  /** What the generator managed up to `endMs`: the test of whether a run may be scored. */
  summary(endMs: number): ScheduleSummary {
    const intended = Math.max(0, Math.min(this.dueBy(endMs), Number.MAX_SAFE_INTEGER));
    const seconds = Math.max(1e-9, (endMs - this.startMs) / 1000);
    return {
      intendedRate: this.ratePerSecond,
      intended,
      sent: this.issued,
      sentOnTime: this.onTime,
      achievedRate: this.issued / seconds,
      onTimeRate: this.onTime / seconds,
      maxLatenessMs: this.maxLatenessMs,
      seconds,
    };
  }
}

export interface ScheduleSummary {
  intendedRate: number;
  /** Requests due within the window. */
  intended: number;
  sent: number;
  /** Sent within the tolerance of their due time. */
  sentOnTime: number;
  achievedRate: number;
  onTimeRate: number;
  maxLatenessMs: number;
  seconds: number;
}

/** The least share of requests that must leave on time for a run to be scored. */
export const ON_TIME_SHARE = 0.95;

/**
 * Why a run cannot be scored, or undefined when the generator kept its timetable: it must
 * have sent at least {@link ON_TIME_SHARE} of the intended requests on time.
 */
export function scheduleShortfall(s: ScheduleSummary): string | undefined {
  if (s.intended === 0) return 'nothing was due';
  const share = s.sentOnTime / s.intended;
  if (share >= ON_TIME_SHARE) return undefined;
  return `the load generator sent only ${(share * 100).toFixed(1)} % of ${s.intended} requests on time (${s.onTimeRate.toFixed(0)} of ${s.intendedRate} req/s; worst delay ${s.maxLatenessMs.toFixed(0)} ms)`;
}
