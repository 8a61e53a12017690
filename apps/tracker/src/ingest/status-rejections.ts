import type { Logger } from '@roadcast/observability';
import type { Counter } from 'prom-client';
import { CountedRejections } from './counted-rejections.js';

/**
 * Status reports the tracker cannot use: unparseable ones, reports of vehicles nobody
 * registered, and reports older than the one stored; counted always, logged within a budget.
 */
export class StatusRejections extends CountedRejections {
  constructor(options: { logger: Logger; ignored: Counter<'reason'> }) {
    super(options, 'status report ignored');
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
      this.line(
        'unknown_vehicle',
        { vehicleId: report.vehicleId },
        'status report of an unregistered vehicle',
      );
    }
    if (unknown > 0) this.counter.inc({ reason: 'unknown_vehicle' }, unknown);
    // Several reports of one vehicle in a batch keep the latest; an older one changes nothing.
    const stale = batch.length - unknown - stored.length;
    if (stale > 0) this.counter.inc({ reason: 'stale' }, stale);
  }
}
