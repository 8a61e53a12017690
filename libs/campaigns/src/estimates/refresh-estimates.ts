import type pg from 'pg';
import {
  FAILURE_DELIVERY_STATES,
  IN_PROGRESS_DELIVERY_STATES,
  SUCCESS_DELIVERY_STATES,
  UNACKNOWLEDGED_DELIVERY_STATES,
} from '@roadcast/contracts';
import { sqlList } from '../transitions/state-sql.js';
import { estimateCompletion, type WaveObservation } from './completion-model.js';

// One row per wave of every running campaign, from the counters (a few rows per wave, never
// the deliveries), with the estimate written last time.
const OBSERVE_SQL = `
SELECT c.id, c.expires_at AS "expiresAt", w.index,
       w.success_threshold AS "successThreshold",
       (w.requires_approval AND w.approved_at IS NULL) AS "awaitsApproval",
       w.started_at AS "startedAt",
       GREATEST(w.size, COALESCE(sum(k.count), 0))::bigint AS size,
       COALESCE(sum(k.count) FILTER (WHERE k.state IN ${sqlList(UNACKNOWLEDGED_DELIVERY_STATES)}), 0)::bigint AS unreached,
       COALESCE(sum(k.count) FILTER (WHERE k.state IN ${sqlList(IN_PROGRESS_DELIVERY_STATES)}), 0)::bigint AS "inProgress",
       COALESCE(sum(k.count) FILTER (WHERE k.state IN ${sqlList(SUCCESS_DELIVERY_STATES)}), 0)::bigint AS installed,
       COALESCE(sum(k.count) FILTER (WHERE k.state IN ${sqlList(FAILURE_DELIVERY_STATES)}), 0)::bigint AS failures,
       e.computed_at AS "previousAt", e.success_at AS "previousSuccessAt",
       e.complete_at AS "previousCompleteAt",
       COALESCE((e.basis->>'unreached')::bigint, 0) AS "previousUnreached",
       COALESCE((e.basis->>'waitedSeconds')::float8, 0) AS "previousWaited",
       COALESCE((e.basis->>'returns')::bigint, 0) AS "previousReturns",
       now() AS now
FROM campaigns c
JOIN campaign_waves w ON w.campaign_id = c.id
LEFT JOIN campaign_counters k ON k.campaign_id = c.id AND k.wave = w.index
LEFT JOIN completion_estimates e ON e.campaign_id = c.id AND e.wave = w.index
WHERE c.status = 'running'
GROUP BY c.id, w.campaign_id, w.index, e.campaign_id, e.wave
ORDER BY c.id, w.index`;

// Every wave's estimate in one statement.
const WRITE_SQL = `
INSERT INTO completion_estimates (campaign_id, wave, computed_at, success_at, complete_at, method, basis)
SELECT t.campaign_id, t.wave, $1, t.success_at, t.complete_at, t.method, t.basis
FROM unnest($2::uuid[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::jsonb[])
  AS t(campaign_id, wave, success_at, complete_at, method, basis)
ON CONFLICT (campaign_id, wave) DO UPDATE SET
  computed_at = EXCLUDED.computed_at, success_at = EXCLUDED.success_at,
  complete_at = EXCLUDED.complete_at, method = EXCLUDED.method, basis = EXCLUDED.basis`;

interface ObservedRow {
  id: string;
  expiresAt: Date;
  index: number;
  successThreshold: number;
  awaitsApproval: boolean;
  startedAt: Date | null;
  size: string;
  unreached: string;
  inProgress: string;
  installed: string;
  failures: string;
  previousAt: Date | null;
  previousSuccessAt: Date | null;
  previousCompleteAt: Date | null;
  previousUnreached: string;
  previousWaited: number;
  previousReturns: string;
  now: Date;
}

const time = (d: Date | null): number | null => (d ? d.getTime() : null);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Recomputes the completion estimate of every wave of every running campaign: one read over
 * the counters, the model in memory, one write. Returns how many campaigns it estimated.
 */
export async function refreshCompletionEstimates(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<ObservedRow>(OBSERVE_SQL);
  if (rows.length === 0) return 0;
  const now = rows[0]!.now.getTime();
  const byCampaign = new Map<string, { expiresAt: number; waves: WaveObservation[] }>();
  for (const r of rows) {
    const campaign = byCampaign.get(r.id) ?? { expiresAt: r.expiresAt.getTime(), waves: [] };
    campaign.waves.push({
      index: r.index,
      size: Number(r.size),
      successThreshold: Number(r.successThreshold),
      awaitsApproval: r.awaitsApproval,
      startedAt: time(r.startedAt),
      unreached: Number(r.unreached),
      inProgress: Number(r.inProgress),
      installed: Number(r.installed),
      failures: Number(r.failures),
      previous: r.previousAt
        ? {
            at: r.previousAt.getTime(),
            unreached: Number(r.previousUnreached),
            waitedSeconds: Number(r.previousWaited),
            returns: Number(r.previousReturns),
            successAt: time(r.previousSuccessAt),
            completeAt: time(r.previousCompleteAt),
          }
        : null,
    });
    byCampaign.set(r.id, campaign);
  }
  const columns = {
    ids: [] as string[],
    waves: [] as number[],
    success: [] as Array<string | null>,
    complete: [] as Array<string | null>,
    methods: [] as string[],
    bases: [] as string[],
  };
  for (const [id, campaign] of byCampaign) {
    for (const e of estimateCompletion({ now, ...campaign })) {
      columns.ids.push(id);
      columns.waves.push(e.wave);
      columns.success.push(iso(e.successAt));
      columns.complete.push(iso(e.completeAt));
      columns.methods.push(e.method);
      columns.bases.push(JSON.stringify(e.basis));
    }
  }
  await pool.query(WRITE_SQL, [
    new Date(now),
    columns.ids,
    columns.waves,
    columns.success,
    columns.complete,
    columns.methods,
    columns.bases,
  ]);
  return byCampaign.size;
}
