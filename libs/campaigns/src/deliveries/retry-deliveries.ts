import type pg from 'pg';
import type { DeliveryStateName } from '@roadcast/contracts';
import { deliverySourcesIn, STATE_TIME_COLUMNS, targetOf } from '../transitions/state-sql.js';
import type { DeliveryWindow } from './stretch-cursors.js';

/** Which deliveries a retry covers. */
export interface RetrySelection {
  /** A subset of the retry operation's sources (failed, timed_out, rejected). */
  states: readonly DeliveryStateName[];
  wave?: number;
  /** Only deliveries that have had fewer attempts than this. */
  maxAttempts?: number;
  /** Only deliveries that ended longer ago than this, doubled for each earlier attempt. */
  backoffSeconds?: number;
  /** Only this stretch of the campaign's deliveries (the policy walks a campaign stretch by stretch). */
  window?: DeliveryWindow;
  /** Recorded with the earlier attempt: an operator's name, or `policy`. */
  retriedBy: string;
}

/** Retried deliveries by wave, for their fan-out. */
export type RetriedByWave = Map<number, number[]>;

const PENDING = targetOf('retry');

/**
 * Delivery retry: failed | timed_out | rejected → pending, as a new attempt. One statement:
 * it locks the deliveries, writes each one's ending attempt to `delivery_attempts` (its notice
 * id stays known there) and starts the next one with a new notice id, so a late report about
 * the old notice matches no delivery and changes nothing. Counters follow by trigger.
 */
function retrySql(windowed: boolean): string {
  return `
WITH ${windowed ? 'span AS (SELECT id FROM deliveries WHERE campaign_id = $1 AND id > $7 ORDER BY id LIMIT $8),' : ''}
picked AS (
  SELECT d.id, d.attempt, d.campaign_id, d.vehicle_id, d.notice_id, d.state, d.last_error,
         d.publishes, d.broker_id, d.updated_at
  FROM deliveries d
  WHERE d.campaign_id = $1 ${windowed ? 'AND d.id IN (SELECT id FROM span)' : ''}
    AND ${deliverySourcesIn('retry', 'd.state')} AND d.state = ANY($2::delivery_state[])
    AND ($3::int IS NULL OR d.wave = $3)
    AND ($4::int IS NULL OR d.attempt < $4)
    AND ($6::float8 IS NULL OR d.updated_at < now() - make_interval(secs => $6::float8 * power(2, LEAST(d.attempt, 17) - 1)))
  ORDER BY d.id
  FOR UPDATE
), history AS (
  INSERT INTO delivery_attempts (delivery_id, attempt, campaign_id, vehicle_id, notice_id, state,
    last_error, publishes, broker_id, ended_at, retried_by)
  SELECT id, attempt, campaign_id, vehicle_id, notice_id, state, last_error, publishes, broker_id,
    updated_at, $5
  FROM picked
), retried AS (
  UPDATE deliveries d SET state = '${PENDING}', notice_id = gen_random_uuid(), attempt = d.attempt + 1,
    publishes = 0, broker_id = NULL, last_error = NULL, updated_at = now(),
    ${STATE_TIME_COLUMNS.map((c) => `${c} = NULL`).join(', ')}
  FROM picked p WHERE d.id = p.id
  RETURNING d.id, d.wave
)
SELECT ${windowed ? '(SELECT count(*) FROM span)::int' : '0'} AS seen,
       ${windowed ? '(SELECT max(id) FROM span)' : 'NULL::bigint'} AS last,
       (SELECT json_agg(json_build_array(wave, id) ORDER BY id) FROM retried) AS retried`;
}

const WHOLE_CAMPAIGN_SQL = retrySql(false);
const WINDOW_SQL = retrySql(true);

export interface RetryResult {
  retried: RetriedByWave;
  count: number;
  /** With a window: where the next stretch starts, 0 after the last. */
  next: number;
}

/** Runs a retry on the caller's transaction (or the pool). */
export async function retryDeliveries(
  client: pg.Pool | pg.PoolClient,
  campaignId: string,
  selection: RetrySelection,
): Promise<RetryResult> {
  const window = selection.window;
  const values: unknown[] = [
    campaignId,
    selection.states,
    selection.wave ?? null,
    selection.maxAttempts ?? null,
    selection.retriedBy,
    selection.backoffSeconds ?? null,
  ];
  if (window) values.push(window.after, window.size);
  const { rows } = await client.query<{
    seen: number;
    last: number | null;
    retried: Array<[number, number]> | null;
  }>(window ? WINDOW_SQL : WHOLE_CAMPAIGN_SQL, values);
  const row = rows[0]!;
  const retried: RetriedByWave = new Map();
  for (const [wave, id] of row.retried ?? []) {
    const ids = retried.get(wave);
    if (ids) ids.push(id);
    else retried.set(wave, [id]);
  }
  return {
    retried,
    count: row.retried?.length ?? 0,
    next: !window || row.seen < window.size || row.last === null ? 0 : row.last,
  };
}
