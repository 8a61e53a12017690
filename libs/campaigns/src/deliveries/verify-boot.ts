import type pg from 'pg';
import {
  deliverySourcesIn,
  deliveryTargetsIn,
  stateTimeAssignments,
} from '../transitions/state-sql.js';

export interface BootVerdict {
  deliveryId: number;
  /** installed: a healthy boot of the new version through the observation window. */
  outcome: 'installed' | 'failed';
  /** Why it failed, e.g. the version the vehicle fell back to. */
  reason?: string;
}

/**
 * Delivery verifyBoot: verifying → installed | failed, from the status reports that decided
 * it. One statement per batch; a delivery no longer verifying (timed out, cancelled) is left
 * alone. Returns the ids that changed.
 */
const VERIFY_SQL = `
UPDATE deliveries d SET state = v.outcome, updated_at = now(),
  ${stateTimeAssignments('verifyBoot', 'v.outcome', 'd')},
  last_error = CASE WHEN v.outcome = 'failed' THEN left(v.reason, 512) ELSE d.last_error END
FROM unnest($1::bigint[], $2::delivery_state[], $3::text[]) AS v(id, outcome, reason)
WHERE d.id = v.id AND d.id = ANY($1::bigint[]) AND ${deliverySourcesIn('verifyBoot', 'd.state')}
  AND ${deliveryTargetsIn('verifyBoot', 'v.outcome')}
RETURNING d.id`;

export async function verifyBoot(
  pool: pg.Pool,
  verdicts: readonly BootVerdict[],
): Promise<number[]> {
  if (verdicts.length === 0) return [];
  const { rows } = await pool.query<{ id: number }>(VERIFY_SQL, [
    verdicts.map((v) => v.deliveryId),
    verdicts.map((v) => v.outcome),
    verdicts.map((v) => v.reason ?? null),
  ]);
  return rows.map((r) => r.id);
}
