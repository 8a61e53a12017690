/**
 * Delivery states in the order they advance, as the API counts them. The list is kept here
 * rather than imported so the page does not bundle the schema library; a test checks that it
 * equals the contracts' list.
 */
export const DELIVERY_STATES = [
  'pending',
  'published',
  'parked',
  'received',
  'downloading',
  'installing',
  'installed',
  'failed',
  'rejected',
  'expired',
  'cancelled',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type Counts = Record<DeliveryState, number>;

export const TERMINAL_STATES: readonly DeliveryState[] = [
  'installed',
  'failed',
  'rejected',
  'expired',
  'cancelled',
];

export const PROBLEM_STATES: readonly DeliveryState[] = ['failed', 'rejected'];

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
