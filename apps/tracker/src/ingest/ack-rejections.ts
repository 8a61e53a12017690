import { vehicleIdOfTopic } from '@roadcast/contracts';
import { LogRateLimiter, type Logger } from '@roadcast/observability';
import type { Counter } from 'prom-client';
import type { AppliedAck } from '@roadcast/campaigns';
import type { ParsedAck } from './parse-ack.js';

/** One line per reason per interval across the tracker; the rest are summed up. */
const LOG_INTERVAL_MS = 10_000;
const LINES_PER_INTERVAL = 20;

/**
 * Acks the tracker cannot use: unparseable ones, and ones that change nothing (a duplicate,
 * a late state, another vehicle's notice). Vehicles decide how many there are, so every one
 * is counted but the log gets a bounded number of lines per reason, with a summary of what
 * was held back.
 */
export class AckRejections {
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

  /** An ack that could not be parsed (topic, JSON or schema). */
  invalid(problem: 'topic' | 'json' | 'schema', topic: string, brokerId: string): void {
    this.counter.inc({ reason: problem });
    const vehicleId = vehicleIdOfTopic(topic);
    this.log.log(
      undefined,
      problem,
      'info',
      { problem, brokerId, ...(vehicleId ? { vehicleId } : {}) },
      'ack ignored',
    );
  }

  /** A committed batch: the acks that moved no delivery forward. */
  unapplied(batch: readonly ParsedAck[], applied: readonly AppliedAck[]): void {
    const ignored = batch.length - applied.length;
    if (ignored <= 0) return;
    this.counter.inc({ reason: 'stale' }, ignored);
    const moved = new Set(applied.map((a) => `${a.noticeId} ${a.vehicleId}`));
    for (const ack of batch) {
      if (moved.has(`${ack.noticeId} ${ack.vehicleId}`)) continue;
      this.log.log(
        undefined,
        'stale',
        'info',
        { vehicleId: ack.vehicleId, noticeId: ack.noticeId, state: ack.state },
        'ack changed nothing',
      );
    }
  }

  close(): void {
    this.log.close();
  }
}
