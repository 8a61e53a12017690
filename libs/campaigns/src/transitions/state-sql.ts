import {
  CAMPAIGN_OPERATIONS,
  DELIVERY_OPERATIONS,
  DELIVERY_STATES,
  STARTED_WAVE_STATES,
  WAVE_OPERATIONS,
  canTransition,
  sourcesOf,
  type CampaignOperationName,
  type DeliveryOperationName,
  type DeliveryStateName,
  type WaveOperationName,
} from '@roadcast/contracts';

/**
 * SQL built once, at module load, from the transition definitions in `@roadcast/contracts`:
 * the only place state names become SQL text. Every statement that changes a campaign, a
 * wave or a delivery takes its state predicates from here, so the code's table and the
 * database's guards cannot drift apart (the transition-table test runs both).
 */

const NAME = /^[a-z_]+$/;

/** `('a', 'b')`: a literal list for `IN`; names come from the definitions, never from input. */
export function sqlList(names: readonly string[]): string {
  if (names.length === 0) throw new Error('an empty state list matches nothing');
  for (const n of names) if (!NAME.test(n)) throw new Error(`not a state name: ${n}`);
  return `(${names.map((n) => `'${n}'`).join(', ')})`;
}

/** `<column> IN (…the operation's source states…)`. */
export function deliverySourcesIn(operation: DeliveryOperationName, column: string): string {
  return `${column} IN ${sqlList(DELIVERY_OPERATIONS[operation].from)}`;
}

/**
 * `<expr> IN (…the operation's target states…)`, for an operation that allows every pair of
 * its sources and targets; combined with `deliverySourcesIn` it is the whole guard.
 */
export function deliveryTargetsIn(operation: DeliveryOperationName, expr: string): string {
  const op = DELIVERY_OPERATIONS[operation];
  for (const from of op.from)
    for (const to of op.to)
      if (!canTransition(operation, from, to))
        throw new Error(`${operation} does not allow ${from} -> ${to}; use deliveryGuard`);
  return `${expr} IN ${sqlList(op.to)}`;
}

/**
 * Whether the delivery state in `fromExpr` may move to the state in `toExpr` under
 * `operation`: one `CASE` over the target with, for each target, its legal sources. Equality
 * on enum values only, so it costs no more than the comparisons it replaces and does not
 * depend on the enum's order.
 */
export function deliveryGuard(
  operation: DeliveryOperationName,
  fromExpr: string,
  toExpr: string,
): string {
  const branches = DELIVERY_OPERATIONS[operation].to
    .map((to) => ({ to, from: sourcesOf(operation, to) }))
    .filter((b) => b.from.length > 0)
    .map((b) => `WHEN '${b.to}' THEN ${fromExpr} IN ${sqlList(b.from)}`);
  return `(CASE ${toExpr} ${branches.join(' ')} ELSE false END)`;
}

/** The column that records when a delivery entered `state` (pending has none). */
export function stateTimeColumn(state: DeliveryStateName): string | undefined {
  return state === 'pending' ? undefined : `${state}_at`;
}

/**
 * `x_at = CASE WHEN <toExpr> = 'x' THEN now() ELSE <alias>.x_at END` for every state the
 * operation may leave a delivery in (but `except`), so each delivery records when it entered
 * its state.
 */
export function stateTimeAssignments(
  operation: DeliveryOperationName,
  toExpr: string,
  alias: string,
  except: readonly DeliveryStateName[] = [],
): string {
  return DELIVERY_OPERATIONS[operation].to
    .filter((state) => !except.includes(state))
    .flatMap((state) => {
      const column = stateTimeColumn(state);
      return column
        ? [`${column} = CASE WHEN ${toExpr} = '${state}' THEN now() ELSE ${alias}.${column} END`]
        : [];
    })
    .join(',\n  ');
}

export function campaignSourcesIn(operation: CampaignOperationName, column: string): string {
  return `${column} IN ${sqlList(CAMPAIGN_OPERATIONS[operation].from)}`;
}

export function waveSourcesIn(operation: WaveOperationName, column: string): string {
  return `${column} IN ${sqlList(WAVE_OPERATIONS[operation].from)}`;
}

/** `w.state IN (…)`: waves (aliased `w`) whose deliveries are due. */
export const STARTED_WAVE = `w.state IN ${sqlList(STARTED_WAVE_STATES)}`;

/** Every state column a delivery has, for a new attempt that clears them. */
export const STATE_TIME_COLUMNS: readonly string[] = DELIVERY_STATES.flatMap(
  (s) => stateTimeColumn(s) ?? [],
);

/** The single state a one-target operation leaves a delivery in. */
export function targetOf(operation: DeliveryOperationName): DeliveryStateName {
  const [to, ...more] = DELIVERY_OPERATIONS[operation].to;
  if (!to || more.length > 0) throw new Error(`${operation} has more than one target state`);
  // Every source must be allowed, or a plain IN list would not express the operation.
  for (const from of DELIVERY_OPERATIONS[operation].from)
    if (!canTransition(operation, from, to)) throw new Error(`${operation}: ${from} -> ${to}`);
  return to;
}
