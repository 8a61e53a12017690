import type { AppliedAck } from '@roadcast/campaigns';
import type { Logger } from '@roadcast/observability';
import type { Counter } from 'prom-client';
import { CountedRejections } from './counted-rejections.js';
import type { ParsedAck } from './parse-ack.js';

/**
 * Acks the tracker cannot use: unparseable ones, and ones that change nothing (a duplicate,
 * a late state, another vehicle's notice), counted always and logged within a budget.
 */
export class AckRejections extends CountedRejections {
  constructor(options: { logger: Logger; ignored: Counter<'reason'> }) {
    super(options, 'ack ignored');
  }

  /** A committed batch: the acks that moved no delivery forward. */
  unapplied(batch: readonly ParsedAck[], applied: readonly AppliedAck[]): void {
    const ignored = batch.length - applied.length;
    if (ignored <= 0) return;
    this.counter.inc({ reason: 'stale' }, ignored);
    const moved = new Set(applied.map((a) => `${a.noticeId} ${a.vehicleId}`));
    for (const ack of batch) {
      if (moved.has(`${ack.noticeId} ${ack.vehicleId}`)) continue;
      this.line(
        'stale',
        { vehicleId: ack.vehicleId, noticeId: ack.noticeId, state: ack.state },
        'ack changed nothing',
      );
    }
  }
}
