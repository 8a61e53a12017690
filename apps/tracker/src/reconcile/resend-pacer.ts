import type { Counter } from 'prom-client';
import type { PaceBuckets } from '@roadcast/queue';
import type { UnacknowledgedDelivery } from './unacknowledged-deliveries.js';

/** Re-sends due together: handed to the bridge as jobs delayed by `delayMs`. */
export interface ResendSlot {
  delayMs: number;
  deliveries: UnacknowledgedDelivery[];
}

export interface ResendPacerOptions {
  buckets: PaceBuckets;
  /** Re-sends per second to one broker, shared by every tracker. */
  perSecond: number;
  /** Re-sends an idle broker takes at once. */
  burst: number;
  /** Re-sends that had to wait for their broker's pace, by broker. */
  paced: Counter<'broker'>;
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Deliveries due within one slot go out in one job at the slot's start. */
const SLOT_MS = 1_000;

/**
 * Storm-aware re-sends (docs/decisions/0349): when a broker or a whole region comes back and
 * its vehicles reconnect at once, their re-sends are booked in that broker's token bucket in
 * Redis, shared by all trackers, and handed to the bridge as delayed jobs at the times the
 * bucket gives them. Nothing is dropped: a storm only stretches over time. Deliveries whose
 * broker is unknown go at once.
 */
export class ResendPacer {
  private readonly options: ResendPacerOptions;

  constructor(options: ResendPacerOptions) {
    this.options = options;
  }

  async schedule(deliveries: readonly UnacknowledgedDelivery[]): Promise<ResendSlot[]> {
    const byBroker = new Map<string, UnacknowledgedDelivery[]>();
    const unpaced: UnacknowledgedDelivery[] = [];
    for (const d of deliveries) {
      if (!d.brokerId) unpaced.push(d);
      else append(byBroker, d.brokerId, d);
    }
    const slots = new Map<number, UnacknowledgedDelivery[]>();
    if (unpaced.length > 0) slots.set(0, unpaced);
    for (const [brokerId, ofBroker] of byBroker) {
      const { perSecond, burst } = this.options;
      const booked = await this.options.buckets.reserve(
        `resend:${brokerId}`,
        perSecond,
        burst,
        ofBroker.length,
      );
      let waited = 0;
      ofBroker.forEach((d, i) => {
        const slot = Math.floor(booked.dueInMs(i) / SLOT_MS) * SLOT_MS;
        if (slot > 0) waited += 1;
        append(slots, slot, d);
      });
      if (waited > 0) this.options.paced.inc({ broker: brokerId }, waited);
    }
    return [...slots]
      .sort(([a], [b]) => a - b)
      .map(([delayMs, due]) => ({ delayMs, deliveries: due }));
  }
}
