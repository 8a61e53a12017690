import {
  DELIVERY_STATES,
  FAILURE_DELIVERY_STATES,
  IN_PROGRESS_DELIVERY_STATES,
  OPEN_DELIVERY_STATES,
  UNACKNOWLEDGED_DELIVERY_STATES,
  isForwardTransition,
  type DeliveryStateName,
} from './delivery-state.js';

/**
 * One operation on deliveries: the states it acts on, the states it may leave a delivery in,
 * and which of those pairs it allows (every pair unless `allows` says otherwise). A delivery
 * in any other state is left alone. `libs/campaigns` executes every operation, and builds
 * the state predicates of its SQL from these entries, so code and SQL cannot disagree.
 */
export interface DeliveryOperation {
  readonly from: readonly DeliveryStateName[];
  readonly to: readonly DeliveryStateName[];
  readonly allows?: (from: DeliveryStateName, to: DeliveryStateName) => boolean;
  /** What it is for, in the product's words. */
  readonly description: string;
}

/** The states an acknowledgement (or the platform reading one) may move a delivery to. */
const ACK_TARGETS: readonly DeliveryStateName[] = [
  'received',
  'downloading',
  'installing',
  'verifying',
  'installed',
  'failed',
  'rejected',
];

/**
 * Every legal delivery transition, by operation. To add an operation: add an entry here,
 * implement it in `libs/campaigns` with its guard built by `deliveryGuardSql` (or its state
 * list by `sqlStateList`), and add it to the transition-table test there, which runs the real
 * statement for every state and compares with this table.
 */
export const DELIVERY_OPERATIONS = {
  recordPublishOutcomes: {
    from: UNACKNOWLEDGED_DELIVERY_STATES,
    to: ['published', 'parked'],
    description:
      'The bridge records what edge brokers answered: published (a session took it) or parked ' +
      '(none yet). A failed publish keeps the state and notes the error.',
  },
  applyAcks: {
    from: OPEN_DELIVERY_STATES,
    to: ACK_TARGETS,
    // Only the status report of a healthy boot (verifyBoot) ends a verification in success.
    allows: (from, to) =>
      isForwardTransition(from, to) && !(from === 'verifying' && to === 'installed'),
    description:
      "A vehicle's reports move its delivery forward; duplicates and late reports change nothing.",
  },
  noteResend: {
    from: ['published', 'parked'],
    to: ['published', 'parked'],
    allows: (from, to) => from === to,
    description: 'The re-send timer notes that it handed a notice to the bridge again.',
  },
  timeOut: {
    from: IN_PROGRESS_DELIVERY_STATES,
    to: ['timed_out'],
    description:
      "A vehicle that reported progress and then stayed silent past its campaign's in-progress timeout.",
  },
  verifyBoot: {
    from: ['verifying'],
    to: ['installed', 'failed'],
    description:
      'After an installed report, the status report decides: a healthy boot of the new version ' +
      'through the observation window is a success, a fall-back to the old version a failure.',
  },
  retry: {
    from: FAILURE_DELIVERY_STATES,
    to: ['pending'],
    description:
      'A new attempt: back to pending with a new notice id, so reports about the old notice are ignored.',
  },
  expire: {
    from: OPEN_DELIVERY_STATES,
    to: ['expired'],
    description: 'The campaign expired before the delivery ended.',
  },
  cancel: {
    from: OPEN_DELIVERY_STATES,
    to: ['cancelled'],
    description: 'The campaign was cancelled before the delivery ended.',
  },
} as const satisfies Record<string, DeliveryOperation>;

export type DeliveryOperationName = keyof typeof DELIVERY_OPERATIONS;

/** Whether `operation` may move a delivery from `from` to `to`. */
export function canTransition(
  operation: DeliveryOperationName,
  from: DeliveryStateName,
  to: DeliveryStateName,
): boolean {
  const op: DeliveryOperation = DELIVERY_OPERATIONS[operation];
  if (!op.from.includes(from) || !op.to.includes(to)) return false;
  return op.allows ? op.allows(from, to) : true;
}

/** The states `operation` may move a delivery in `to` from. */
export function sourcesOf(
  operation: DeliveryOperationName,
  to: DeliveryStateName,
): DeliveryStateName[] {
  return DELIVERY_STATES.filter((from) => canTransition(operation, from, to));
}

/** The states a delivery may be retried from by an operator; the policy covers a subset. */
export const RETRYABLE_DELIVERY_STATES = DELIVERY_OPERATIONS.retry.from;
/**
 * What a retry covers unless it names its states, an operator's or the automatic policy's: a
 * rejection is the vehicle refusing the notice (a rollback, a bad signature), which another
 * attempt rarely changes, so it is retried only when asked for.
 */
export const DEFAULT_RETRY_STATES = [
  'failed',
  'timed_out',
] as const satisfies readonly DeliveryStateName[];
