import { vehicleIdOfTopic } from '@roadcast/contracts';
import { LogRateLimiter, type Logger } from '@roadcast/observability';
import type { Counter } from 'prom-client';

/** One line per reason per interval across the tracker; the rest are summed up. */
const LOG_INTERVAL_MS = 10_000;
const LINES_PER_INTERVAL = 20;

/**
 * Messages from vehicles the tracker cannot use. Vehicles decide how many there are, so every
 * one is counted but the log gets a bounded number of lines per reason, with a summary of
 * what was held back. Subclasses name the reasons of their kind of message.
 */
export abstract class CountedRejections {
  protected readonly counter: Counter<'reason'>;
  private readonly log: LogRateLimiter;

  constructor(
    options: { logger: Logger; ignored: Counter<'reason'> },
    /** The log line of a message that could not be parsed, e.g. 'ack ignored'. */
    private readonly invalidMessage: string,
  ) {
    this.counter = options.ignored;
    this.log = new LogRateLimiter({
      logger: options.logger,
      intervalMs: LOG_INTERVAL_MS,
      linesPerReason: LINES_PER_INTERVAL,
    });
  }

  /** A message that could not be parsed (topic, JSON or schema). */
  invalid(problem: 'topic' | 'json' | 'schema', topic: string, brokerId: string): void {
    this.counter.inc({ reason: problem });
    const vehicleId = vehicleIdOfTopic(topic);
    this.line(
      problem,
      { problem, brokerId, ...(vehicleId ? { vehicleId } : {}) },
      this.invalidMessage,
    );
  }

  /** One log line of a reason, within that reason's budget. */
  protected line(reason: string, fields: Record<string, unknown>, message: string): void {
    this.log.log(undefined, reason, 'info', fields, message);
  }

  close(): void {
    this.log.close();
  }
}
