import type { Logger } from 'pino';

export interface LogRateLimits {
  /** Length of one interval in milliseconds. */
  intervalMs: number;
  /** Lines per reason per interval across the whole process. */
  linesPerReason: number;
}

export interface LogRateLimiterOptions extends LogRateLimits {
  logger: Logger;
  /** Told about every event whose line was held back, e.g. for a metric. */
  onSuppressed?: (reason: string) => void;
  now?: () => number;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

interface Window {
  startedAt: number;
  lines: number;
  suppressed: number;
}

/**
 * What one source (a connection, a client) has had logged: when each reason may be logged
 * again and how many of its events were held back meanwhile. Created only for sources that
 * have something to log, so idle sources cost nothing.
 */
export class LogSource {
  private readonly reasons = new Map<string, { until: number; suppressed: number }>();

  /** -1: held back; otherwise the number of events held back since this reason's last line. */
  admit(reason: string, now: number, intervalMs: number): number {
    const entry = this.reasons.get(reason);
    if (entry && now < entry.until) {
      entry.suppressed += 1;
      return -1;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.reasons.set(reason, { until: now + intervalMs, suppressed: 0 });
    return suppressed;
  }

  /** Undoes `admit` when the process-wide budget then refuses the line. */
  release(reason: string, suppressed: number): void {
    const entry = this.reasons.get(reason);
    if (entry) {
      entry.until = 0;
      entry.suppressed = suppressed + 1;
    }
  }

  /** Events held back since each reason's last line, for a closing summary; empty when none. */
  pending(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [reason, { suppressed }] of this.reasons)
      if (suppressed > 0) out[reason] = suppressed;
    return out;
  }
}

/**
 * Logging where an attacker controls the rate of events. Each source logs a reason at most
 * once per interval (the next line carries how many were held back), and the whole process
 * writes at most `linesPerReason` lines per reason per interval; what that budget holds back
 * is summed up in one line per reason at the end of the interval. Metrics are the place for
 * exact counts: this only keeps the log, and the memory of a lagging log sink, bounded.
 */
export class LogRateLimiter {
  private readonly logger: Logger;
  private readonly onSuppressed: ((reason: string) => void) | undefined;
  private readonly now: () => number;
  private limits: LogRateLimits;
  private readonly windows = new Map<string, Window>();
  private summaryTimer: NodeJS.Timeout | undefined;

  constructor(options: LogRateLimiterOptions) {
    this.logger = options.logger;
    this.onSuppressed = options.onSuppressed;
    this.now = options.now ?? Date.now;
    this.limits = { intervalMs: options.intervalMs, linesPerReason: options.linesPerReason };
  }

  configure(limits: LogRateLimits): void {
    this.limits = { ...limits };
  }

  /**
   * Logs one event of `reason` unless a limit holds it back. With a source, the line carries
   * `suppressed` when events of this source and reason were held back since its last line.
   * Returns whether the line was written.
   */
  log(
    source: LogSource | undefined,
    reason: string,
    level: Level,
    fields: Record<string, unknown>,
    message: string,
  ): boolean {
    const now = this.now();
    const own = source ? source.admit(reason, now, this.limits.intervalMs) : 0;
    if (own < 0 || !this.takeLine(reason, now)) {
      if (own >= 0) source?.release(reason, own);
      this.onSuppressed?.(reason);
      return false;
    }
    this.logger[level](own > 0 ? { ...fields, suppressed: own } : fields, message);
    return true;
  }

  /** Writes the summary of every interval that has ended with lines held back. */
  flush(): void {
    this.summarize(Number.POSITIVE_INFINITY);
  }

  close(): void {
    clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    this.flush();
  }

  private takeLine(reason: string, now: number): boolean {
    let window = this.windows.get(reason);
    if (window && now - window.startedAt >= this.limits.intervalMs) {
      this.summarizeOne(reason, window);
      window = undefined;
    }
    if (!window) {
      window = { startedAt: now, lines: 0, suppressed: 0 };
      this.windows.set(reason, window);
    }
    if (window.lines < this.limits.linesPerReason) {
      window.lines += 1;
      return true;
    }
    window.suppressed += 1;
    this.scheduleSummary();
    return false;
  }

  private scheduleSummary(): void {
    if (this.summaryTimer) return;
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = undefined;
      this.summarize(this.now());
    }, this.limits.intervalMs);
    this.summaryTimer.unref();
  }

  private summarize(now: number): void {
    for (const [reason, window] of this.windows) {
      if (now - window.startedAt < this.limits.intervalMs) {
        if (window.suppressed > 0) this.scheduleSummary();
        continue;
      }
      this.summarizeOne(reason, window);
    }
  }

  private summarizeOne(reason: string, window: Window): void {
    this.windows.delete(reason);
    if (window.suppressed === 0) return;
    this.logger.warn(
      { reason, suppressed: window.suppressed, intervalMs: this.limits.intervalMs },
      'log lines held back',
    );
  }
}
