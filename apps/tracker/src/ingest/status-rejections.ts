import { vehicleIdOfTopic } from '@roadcast/contracts';
import { LogRateLimiter, type Logger } from '@roadcast/observability';
import type { Counter } from 'prom-client';

/** One line per reason per interval across the tracker; the rest are summed up. */
const LOG_INTERVAL_MS = 10_000;
const LINES_PER_INTERVAL = 20;

/**
 * Status reports the tracker cannot use: unparseable ones, reports of vehicles nobody
 * registered, and reports older than the one stored. Vehicles decide how many there are, so
 * every one is counted but the log gets a bounded number of lines per reason.
 */
export class StatusRejections {
  private readonly counter: Counter<'reason'>;
  private readonly log: LogRateLimiter;

  constructor(options: { logger: Logger; ignored: Counter<'reason'> }) {
    this.counter = options.ignored;
    this.log = new LogRateLimiter({
      logger: options.logger,
      intervalMs: LOG_INTERVAL_MS,
      linesPerReason: LINES_PER_INTERVAL,
    });
  }

  /** A report that could not be parsed (topic, JSON or schema). */
  invalid(problem: 'topic' | 'json' | 'schema', topic: string, brokerId: string): void {
    this.counter.inc({ reason: problem });
    const vehicleId = vehicleIdOfTopic(topic);
    this.log.log(
      undefined,
      problem,
      'info',
      { problem, brokerId, ...(vehicleId ? { vehicleId } : {}) },
      'status report ignored',
    );
  }

  /** A committed batch: reports of vehicles nobody registered, and older or repeated ones. */
  unstored(
    batch: readonly { vehicleId: string }[],
    known: readonly string[],
    stored: readonly string[],
  ): void {
    const registered = new Set(known);
    let unknown = 0;
    for (const report of batch) {
      if (registered.has(report.vehicleId)) continue;
      unknown += 1;
      this.log.log(
        undefined,
        'unknown_vehicle',
        'info',
        { vehicleId: report.vehicleId },
        'status report of an unregistered vehicle',
      );
    }
    if (unknown > 0) this.counter.inc({ reason: 'unknown_vehicle' }, unknown);
    // Several reports of one vehicle in a batch keep the latest; an older one changes nothing.
    const stale = batch.length - unknown - stored.length;
    if (stale > 0) this.counter.inc({ reason: 'stale' }, stale);
  }

  close(): void {
    this.log.close();
  }
}
