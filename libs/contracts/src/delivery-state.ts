/**
 * Delivery states and the order they advance in. A delivery only moves forward: a duplicate
 * or late acknowledgement never takes it back, and terminal states are final (a retry starts
 * a new attempt with a new notice id, see delivery-transitions.ts). The order here is the
 * order of the `delivery_state` enum in Postgres; a test checks that they agree.
 */
export const DELIVERY_STATES = [
  'pending',
  'published',
  'parked',
  'received',
  'downloading',
  'installing',
  'verifying',
  'installed',
  'failed',
  'timed_out',
  'rejected',
  'expired',
  'cancelled',
] as const;
export type DeliveryStateName = (typeof DELIVERY_STATES)[number];

export const TERMINAL_DELIVERY_STATES: readonly DeliveryStateName[] = [
  'installed',
  'failed',
  'timed_out',
  'rejected',
  'expired',
  'cancelled',
];

/** States that have not ended: they may still move, and keep their campaign from completing. */
export const OPEN_DELIVERY_STATES: readonly DeliveryStateName[] = DELIVERY_STATES.filter(
  (s) => !TERMINAL_DELIVERY_STATES.includes(s),
);

/** States that count against a wave's failure threshold. */
export const FAILURE_DELIVERY_STATES: readonly DeliveryStateName[] = [
  'failed',
  'timed_out',
  'rejected',
];

/** States that count toward a wave's success threshold. */
export const SUCCESS_DELIVERY_STATES: readonly DeliveryStateName[] = ['installed'];

/** States in which the vehicle has not acknowledged the notice yet. */
export const UNACKNOWLEDGED_DELIVERY_STATES: readonly DeliveryStateName[] = [
  'pending',
  'published',
  'parked',
];

/**
 * States in which the vehicle answered the notice: it acknowledged it and may have gone on to
 * install, fail or be timed out. With `thresholdBasis: 'reached'` a wave's shares are judged
 * over these deliveries (docs/decisions/0345).
 */
export const REACHED_DELIVERY_STATES: readonly DeliveryStateName[] = [
  'received',
  'downloading',
  'installing',
  'verifying',
  'installed',
  'failed',
  'timed_out',
  'rejected',
];

/**
 * The silent bucket: open deliveries whose vehicle has not answered (never sent, handed to a
 * broker, or parked for a car that is away). Expired and cancelled deliveries are in neither
 * bucket: they ended without saying whether the vehicle had answered.
 */
export const NOT_REACHED_DELIVERY_STATES: readonly DeliveryStateName[] =
  UNACKNOWLEDGED_DELIVERY_STATES;

/**
 * With `thresholdBasis: 'reached'`, the least share of a wave that must have answered before
 * its reached shares may start the next wave or pause on failures: a wave whose vehicles are
 * mostly silent is not judged on the few that answered.
 */
export const MIN_REACHED_SHARE = 0.5;

/** States in which the vehicle has reported progress and owes the next report. */
export const IN_PROGRESS_DELIVERY_STATES: readonly DeliveryStateName[] = [
  'received',
  'downloading',
  'installing',
  'verifying',
];

/**
 * Open states in which a vehicle's session has received the notice: a cancel must tell it.
 * A pending notice was never sent and a parked one reached no session.
 */
export const TOLD_DELIVERY_STATES: readonly DeliveryStateName[] = OPEN_DELIVERY_STATES.filter(
  (s) => s !== 'pending' && s !== 'parked',
);

/** Rank of each state; `published` and `parked` share one, and so do the terminal failures. */
export const DELIVERY_STATE_RANK: Readonly<Record<DeliveryStateName, number>> = {
  pending: 0,
  published: 1,
  parked: 1,
  received: 2,
  downloading: 3,
  installing: 4,
  verifying: 5,
  installed: 6,
  failed: 7,
  timed_out: 7,
  rejected: 7,
  expired: 7,
  cancelled: 7,
};

export function isTerminalDeliveryState(state: DeliveryStateName): boolean {
  return TERMINAL_DELIVERY_STATES.includes(state);
}

/**
 * Whether a delivery in `from` may move to `to` as the vehicle reports. Terminal states never
 * change. A notice that was parked may become published (the vehicle's session appeared) and
 * vice versa on a re-send; otherwise the rank must increase. Any open state may end in a
 * terminal one. The vehicle SDK follows this rule for its own reports, and the platform's
 * `applyAcks` operation is built on it.
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
