// Delivery states in the order they advance, as the API counts them. Imported from the
// contracts' dependency-free module, so the page does not bundle the schema library.
import {
  DELIVERY_STATES,
  FAILURE_DELIVERY_STATES,
  TERMINAL_DELIVERY_STATES,
  type DeliveryStateName,
} from '@roadcast/contracts/delivery-state';

export { DELIVERY_STATES };
export type DeliveryState = DeliveryStateName;
export type Counts = Record<DeliveryState, number>;
export const TERMINAL_STATES: readonly DeliveryState[] = TERMINAL_DELIVERY_STATES;

/** What counts against a wave's failure threshold: failed, timed out, rejected. */
export const PROBLEM_STATES: readonly DeliveryState[] = FAILURE_DELIVERY_STATES;

export function emptyCounts(): Counts {
  return Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Counts;
}

/** Counts from an event or a response, with every state present and numeric. */
export function normaliseCounts(raw: unknown): Counts {
  const counts = emptyCounts();
  if (raw && typeof raw === 'object') {
    for (const state of DELIVERY_STATES) {
      const n = Number((raw as Record<string, unknown>)[state] ?? 0);
      counts[state] = Number.isFinite(n) && n > 0 ? n : 0;
    }
  }
  return counts;
}

export function totalOf(counts: Counts): number {
  return DELIVERY_STATES.reduce((sum, s) => sum + counts[s], 0);
}

/** Share 0..100 of `part` in `total`, rounded down so 100 means truly all. */
export function percentOf(part: number, total: number): number {
  if (total <= 0) return 0;
  return Math.floor((part / total) * 1000) / 10;
}
