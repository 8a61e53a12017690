import {
  ACTIVE_CAMPAIGN_STATUSES,
  STARTED_WAVE_STATES,
  type CampaignStatusName,
  type CampaignTarget,
} from '@roadcast/contracts';
import type { PipelineDeps } from '../pipeline-deps.js';
import { targetCondition } from '../target-sql.js';
import { sqlList } from '../transitions/state-sql.js';
import { enqueueDeliveries } from './enqueue-pending.js';
import { inTransaction } from './in-transaction.js';

/** Vehicles one pass adds to one campaign at most; the rest join on the next passes. */
export const DYNAMIC_JOIN_LIMIT = 10_000;

/**
 * How far back of `dynamic_through` each pass looks again: a registration committed a little
 * after its `updated_at` (a long bulk upsert) is still found. The vehicles already in the
 * campaign are skipped by the (vehicle_id, campaign_id) index, so looking again costs little.
 */
const OVERLAP_SECONDS = 60;

export interface DynamicJoin {
  campaignId: string;
  wave: number;
  /** Deliveries added. */
  deliveryIds: number[];
  /** Whether they were handed to the bridge now (running campaign, started wave). */
  enqueued: boolean;
}

/** Dynamic campaigns not ended whose deliveries are all written. */
const DUE_SQL = `
SELECT id FROM campaigns
WHERE dynamic AND status IN ${sqlList(ACTIVE_CAMPAIGN_STATUSES)} AND materialized_at IS NOT NULL`;

const LOCK_SQL = `
SELECT c.status, c.priority, c.target, c.current_wave AS "currentWave",
  COALESCE(c.dynamic_through, c.created_at) AS through,
  EXISTS (SELECT 1 FROM campaign_waves w WHERE w.campaign_id = c.id AND w.index = c.current_wave
          AND w.state IN ${sqlList(STARTED_WAVE_STATES)}) AS "waveStarted"
FROM campaigns c
WHERE c.id = $1 AND c.dynamic AND c.status IN ${sqlList(ACTIVE_CAMPAIGN_STATUSES)}
  AND c.materialized_at IS NOT NULL
FOR NO KEY UPDATE`;

/**
 * Dynamic join: vehicles registered or changed since the campaign last looked (the
 * `vehicles.updated_at` index) that match its target and have no delivery in it get one, in
 * the wave the campaign is in (wave 0 while scheduled), as pending deliveries. Under the
 * campaign's row lock, so a start, resume or wave change waits for it and then sees the new
 * deliveries; the wave's size and the target size grow with them. `dynamic_through` moves to
 * the transaction's start once a pass found everything (fewer than the limit).
 */
function joinSql(target: CampaignTarget): { text: string; values: unknown[] } {
  const where = targetCondition(target, 4);
  return {
    text: `
WITH found AS (
  SELECT v.id FROM vehicles v
  WHERE v.updated_at > $2::timestamptz - make_interval(secs => ${OVERLAP_SECONDS}) AND (${where.text})
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.vehicle_id = v.id AND d.campaign_id = $1)
  ORDER BY v.updated_at, v.id
  LIMIT $4
), added AS (
  INSERT INTO deliveries (campaign_id, vehicle_id, notice_id, wave)
  SELECT $1::uuid, id, gen_random_uuid(), $3 FROM found ORDER BY id
  ON CONFLICT (vehicle_id, campaign_id) DO NOTHING
  RETURNING id
), sized AS (
  UPDATE campaign_waves SET size = size + (SELECT count(*) FROM added)
  WHERE campaign_id = $1 AND index = $3 AND EXISTS (SELECT 1 FROM added)
  RETURNING 1
)
UPDATE campaigns SET
  dynamic_through = CASE WHEN (SELECT count(*) FROM found) < $4 THEN now() ELSE dynamic_through END,
  target_size = COALESCE(target_size, 0) + (SELECT count(*) FROM added),
  last_delivery_id = GREATEST(last_delivery_id, (SELECT max(id) FROM added))
WHERE id = $1
RETURNING COALESCE((SELECT array_agg(id ORDER BY id) FROM added), '{}') AS ids,
  (SELECT count(*) FROM sized)::int AS sized`,
    values: where.values,
  };
}

async function joinOne(
  deps: PipelineDeps,
  campaignId: string,
  limit: number,
): Promise<DynamicJoin | undefined> {
  const joined = await inTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<{
      status: CampaignStatusName;
      priority: number;
      target: CampaignTarget;
      currentWave: number;
      through: Date;
      waveStarted: boolean;
    }>(LOCK_SQL, [campaignId]);
    const campaign = rows[0];
    if (!campaign) return undefined;
    const wave = campaign.status === 'scheduled' ? 0 : campaign.currentWave;
    const sql = joinSql(campaign.target);
    const result = await client.query<{ ids: string[] }>(sql.text, [
      campaignId,
      campaign.through,
      wave,
      limit,
      ...sql.values,
    ]);
    return {
      campaignId,
      wave,
      deliveryIds: (result.rows[0]?.ids ?? []).map(Number),
      // A paused campaign's joiners wait for the resume, a scheduled one's for the start,
      // and a wave awaiting approval for the approval: each enqueues the wave's pending rows.
      enqueued: campaign.status === 'running' && campaign.waveStarted,
      priority: campaign.priority,
    };
  });
  if (!joined || joined.deliveryIds.length === 0) return undefined;
  const { priority, ...join } = joined;
  if (join.enqueued)
    await enqueueDeliveries(deps, campaignId, join.wave, join.deliveryIds, priority);
  return join;
}

/** One pass over every dynamic campaign; returns what joined where. */
export async function joinDynamicCampaigns(
  deps: PipelineDeps,
  limit = DYNAMIC_JOIN_LIMIT,
): Promise<DynamicJoin[]> {
  const { rows } = await deps.pool.query<{ id: string }>(DUE_SQL);
  const out: DynamicJoin[] = [];
  for (const { id } of rows) {
    const join = await joinOne(deps, id, limit);
    if (join) out.push(join);
  }
  return out;
}
