import type pg from 'pg';
import type {
  CampaignStatusName,
  CompletionEstimate,
  EstimateBasis,
  WaveEstimate,
} from '@roadcast/contracts';

const WHY_NOT: Partial<Record<CampaignStatusName, string>> = {
  scheduled: 'the campaign has not started yet',
  paused: 'the campaign is paused; estimates resume when it runs again',
  cancelled: 'the campaign was cancelled',
  expired: 'the campaign expired',
};

/**
 * A campaign's completion estimate as the tracker last stored it, or undefined for an unknown
 * campaign. The campaign succeeds when its last wave reaches its threshold and completes when
 * every wave's last delivery has ended; when a time cannot be given, `reason` says why.
 */
export async function readCompletionEstimate(
  pool: pg.Pool,
  campaignId: string,
): Promise<CompletionEstimate | undefined> {
  const { rows } = await pool.query<{
    status: CampaignStatusName;
    completedAt: Date | null;
    waves: Array<{
      wave: number;
      computedAt: string;
      successAt: string | null;
      completeAt: string | null;
      method: string;
      basis: EstimateBasis;
    }> | null;
  }>(
    `SELECT c.status::text AS status, c.completed_at AS "completedAt",
       (SELECT json_agg(json_build_object('wave', e.wave, 'computedAt', e.computed_at,
           'successAt', e.success_at, 'completeAt', e.complete_at, 'method', e.method,
           'basis', e.basis) ORDER BY e.wave)
        FROM completion_estimates e WHERE e.campaign_id = c.id) AS waves
     FROM campaigns c WHERE c.id = $1`,
    [campaignId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const iso = (t: string | null) => (t ? new Date(t).toISOString() : null);
  const waves: WaveEstimate[] = (row.waves ?? []).map((w) => ({
    ...w,
    computedAt: new Date(w.computedAt).toISOString(),
    successAt: iso(w.successAt),
    completeAt: iso(w.completeAt),
  }));
  const last = waves[waves.length - 1];
  const answer: CompletionEstimate = {
    campaignId,
    status: row.status,
    computedAt: last?.computedAt ?? null,
    successAt: null,
    completeAt: null,
    method: last?.method ?? null,
    reason: null,
    waves,
  };
  if (row.status === 'completed') {
    return {
      ...answer,
      successAt: last?.successAt ?? null,
      completeAt: row.completedAt?.toISOString() ?? null,
    };
  }
  const notNow = WHY_NOT[row.status];
  if (notNow) return { ...answer, reason: notNow };
  if (!last) return { ...answer, reason: 'not estimated yet: the tracker computes it shortly' };
  const ends = waves.map((w) => w.completeAt);
  const completeAt = ends.every((t) => t !== null)
    ? ends.reduce((a, b) => (Date.parse(b!) > Date.parse(a!) ? b : a))
    : null;
  const missing = waves.find((w) => w.basis.reason !== null);
  return {
    ...answer,
    successAt: last.successAt,
    completeAt,
    reason:
      last.successAt !== null && completeAt !== null
        ? null
        : missing
          ? `wave ${missing.wave + 1}: ${missing.basis.reason}`
          : 'not predicted',
  };
}
