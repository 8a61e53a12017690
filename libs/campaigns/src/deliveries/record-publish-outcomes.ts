import type pg from 'pg';
import {
  deliverySourcesIn,
  deliveryTargetsIn,
  stateTimeAssignments,
} from '../transitions/state-sql.js';

/**
 * What edge brokers answered for a batch of deliveries, as columns in the deliveries' own
 * order: `states[i]` is `published` or `parked` when a broker took the notice, null when the
 * publish failed and `errors[i]` says why.
 */
export interface PublishOutcomes {
  readonly ids: readonly number[];
  readonly states: ReadonlyArray<'published' | 'parked' | null>;
  readonly brokerIds: ReadonlyArray<string | null>;
  readonly errors: ReadonlyArray<string | null>;
}

/**
 * recordPublishOutcomes: pending | published | parked → published | parked. A whole batch in
 * one statement: accepted deliveries move (a publish counted, the error cleared), failed ones
 * keep their state and note the error. Deliveries in any other state are left alone: an
 * acknowledgement, expiry or cancellation that arrived meanwhile wins.
 */
const RECORD_SQL = `
WITH recorded AS (
  UPDATE deliveries d SET
    state = COALESCE(v.state, d.state),
    broker_id = CASE WHEN v.state IS NULL THEN d.broker_id ELSE v.broker_id END,
    publishes = d.publishes + CASE WHEN v.state IS NULL THEN 0 ELSE 1 END,
    last_error = v.error,
    updated_at = now(),
    ${stateTimeAssignments('recordPublishOutcomes', 'v.state', 'd')}
  FROM unnest($1::bigint[], $2::delivery_state[], $3::text[], $4::text[])
    AS v(id, state, broker_id, error)
  -- The ANY repeats the join as an index condition: planned on statistics taken while the
  -- table was nearly empty (a first large campaign, before the next analyze), the join alone
  -- may be hashed against a scan of every delivery, for every batch.
  WHERE d.id = v.id AND d.id = ANY($1::bigint[])
    AND ${deliverySourcesIn('recordPublishOutcomes', 'd.state')}
    AND (v.state IS NULL OR ${deliveryTargetsIn('recordPublishOutcomes', 'v.state')})
  RETURNING v.state
)
SELECT count(*) FILTER (WHERE state = 'published')::int AS published FROM recorded`;

/**
 * Records a batch's outcomes; returns how many were recorded as published. Fewer than
 * reported means some crossed a cancel or an acknowledgement.
 */
export async function recordPublishOutcomes(
  pool: pg.Pool,
  outcomes: PublishOutcomes,
): Promise<number> {
  if (outcomes.ids.length === 0) return 0;
  const { rows } = await pool.query<{ published: number }>(RECORD_SQL, [
    outcomes.ids,
    outcomes.states,
    outcomes.brokerIds,
    outcomes.errors,
  ]);
  return rows[0]?.published ?? 0;
}
