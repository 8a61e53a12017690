/**
 * Delivery states and the order they advance in. A delivery only moves forward: a duplicate
 * or late acknowledgement never takes it back, and terminal states are final.
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
export type DeliveryStateName = (typeof DELIVERY_STATES)[number];

export const TERMINAL_DELIVERY_STATES: readonly DeliveryStateName[] = [
  'installed',
  'failed',
  'rejected',
  'expired',
  'cancelled',
];

/** Rank of each non-terminal state; `published` and `parked` share a rank. */
export const DELIVERY_STATE_RANK: Readonly<Record<DeliveryStateName, number>> = {
  pending: 0,
  published: 1,
  parked: 1,
  received: 2,
  downloading: 3,
  installing: 4,
  installed: 5,
  failed: 6,
  rejected: 6,
  expired: 6,
  cancelled: 6,
};

/** States in which the vehicle has not acknowledged the notice yet. */
export const UNACKNOWLEDGED_DELIVERY_STATES: readonly DeliveryStateName[] = [
  'pending',
  'published',
  'parked',
];

export function isTerminalDeliveryState(state: DeliveryStateName): boolean {
  return TERMINAL_DELIVERY_STATES.includes(state);
}

/**
 * Whether a delivery in `from` may move to `to`. Terminal states never change. A notice that
 * was parked may become published (the vehicle's session appeared) and vice versa on a
 * re-send; otherwise the rank must increase. Any non-terminal state may end in a terminal one.
 */
export function isForwardTransition(from: DeliveryStateName, to: DeliveryStateName): boolean {
  if (from === to) return false;
  if (isTerminalDeliveryState(from)) return false;
  if (isTerminalDeliveryState(to)) return true;
  const a = DELIVERY_STATE_RANK[from];
  const b = DELIVERY_STATE_RANK[to];
  if (a === b) return a === 1;
  return b > a;
}
