import {
  appendEvent,
  chunk,
  enqueueCampaignStart,
  enqueueCancelNotices,
  enqueueFanout,
} from '@roadcast/queue';
import type { CampaignStatusName } from '@roadcast/contracts';
import { CampaignError } from './errors.js';
import type { PipelineDeps } from './pipeline-deps.js';

/** Ids read per round trip when enqueueing a large wave. */
const ID_PAGE = 50_000;

/**
 * Moves a due scheduled campaign to running and starts its first wave. Safe to call more
 * than once: only the call that changes the status starts the wave.
 */
export async function startCampaign(deps: PipelineDeps, campaignId: string): Promise<boolean> {
  const { rows } = await deps.pool.query(
    `UPDATE campaigns SET status = 'running', current_wave = 0, updated_at = now()
     WHERE id = $1 AND status = 'scheduled' AND start_at <= now()
     RETURNING id`,
    [campaignId],
  );
  if (rows.length === 0) return false;
  await statusEvent(deps, campaignId, 'running');
  await startWave(deps, campaignId, 0);
  return true;
}

/**
 * Starts wave `wave` of a running campaign: marks it running, makes it the current wave and
 * enqueues fan-out jobs for its pending deliveries. The tracker calls this to roll a
 * campaign forward. Returns false when the wave had already started or the campaign is not
 * running.
 */
export async function startWave(
  deps: PipelineDeps,
  campaignId: string,
  wave: number,
): Promise<boolean> {
  const client = await deps.pool.connect();
  let campaignRow: WrittenSoFar & { priority: number };
  try {
    await client.query('BEGIN');
    const campaign = await client.query<WrittenSoFar & { priority: number }>(
      `UPDATE campaigns SET current_wave = GREATEST(current_wave, $2), updated_at = now()
       WHERE id = $1 AND status = 'running'
       RETURNING priority, ${WRITTEN_SO_FAR}`,
      [campaignId, wave],
    );
    const started = await client.query(
      `UPDATE campaign_waves SET state = 'running', started_at = now()
       WHERE campaign_id = $1 AND index = $2 AND state = 'pending' RETURNING index`,
      [campaignId, wave],
    );
    if (campaign.rows.length === 0 || started.rows.length === 0) {
      await client.query('ROLLBACK');
      return false;
    }
    campaignRow = campaign.rows[0]!;
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  const jobs = await enqueuePendingDeliveries(
    deps,
    campaignId,
    [wave],
    campaignRow.priority,
    writtenRange(campaignRow),
  );
  deps.logger?.info({ campaignId, wave, jobs }, 'wave started');
  return true;
}

/** What a wave start or resume reads, under the campaign's row lock, of what is written. */
interface WrittenSoFar {
  lastDeliveryId: number | null;
  materialized: boolean;
}
const WRITTEN_SO_FAR = `last_delivery_id AS "lastDeliveryId", materialized_at IS NOT NULL AS materialized`;

/**
 * While deliveries are still being written, a chunk committed after a wave start (or a
 * resume) enqueues its own fan-out, having seen the wave started; the start enqueues the
 * rest, up to the last delivery written when it took the campaign's row. Once everything
 * is written, the start takes all.
 */
function writtenRange(w: WrittenSoFar): DeliveryRange {
  return w.materialized ? {} : { upTo: w.lastDeliveryId ?? 0 };
}

export interface DeliveryRange {
  /** Only deliveries with a greater id. */
  after?: number;
  /** Only deliveries up to this id. */
  upTo?: number;
}

/**
 * Enqueues fan-out jobs for the still pending deliveries of the given waves, reading ids in
 * pages so a million-vehicle wave never sits in memory at once. Returns the number of jobs.
 */
export async function enqueuePendingDeliveries(
  deps: PipelineDeps,
  campaignId: string,
  waves: readonly number[],
  priority: number,
  range: DeliveryRange = {},
): Promise<number> {
  if (range.upTo !== undefined && range.upTo <= (range.after ?? 0)) return 0;
  let jobs = 0;
  for (const wave of waves) {
    let after = range.after ?? 0;
    for (;;) {
      const { rows } = await deps.pool.query<{ id: number }>(
        `SELECT id FROM deliveries
         WHERE campaign_id = $1 AND id > $3 AND id <= $5 AND state = 'pending' AND wave = $2
         ORDER BY id LIMIT $4`,
        [campaignId, wave, after, ID_PAGE, range.upTo ?? Number.MAX_SAFE_INTEGER],
      );
      if (rows.length === 0) break;
      const ids = rows.map((r) => r.id);
      after = ids[ids.length - 1]!;
      const batches = chunk(ids, deps.fanoutBatchSize).map((deliveryIds) => ({
        campaignId,
        wave,
        deliveryIds,
      }));
      await enqueueFanout(deps.queues, batches, priority);
      jobs += batches.length;
      if (rows.length < ID_PAGE) break;
    }
  }
  return jobs;
}

async function requireCampaign(
  deps: PipelineDeps,
  campaignId: string,
): Promise<CampaignStatusName> {
  const { rows } = await deps.pool.query<{ status: CampaignStatusName }>(
    'SELECT status FROM campaigns WHERE id = $1',
    [campaignId],
  );
  if (!rows[0]) throw new CampaignError('ROADCAST_ERR_CAMPAIGN_NOT_FOUND', 'campaign not found');
  return rows[0].status;
}

/** Stops publishing; deliveries not yet published stay pending until the campaign resumes. */
export async function pauseCampaign(
  deps: PipelineDeps,
  campaignId: string,
  reason: string,
): Promise<void> {
  const { rows } = await deps.pool.query(
    `UPDATE campaigns SET status = 'paused', paused_reason = $2, updated_at = now()
     WHERE id = $1 AND status IN ('running', 'scheduled') RETURNING id`,
    [campaignId, reason],
  );
  if (rows.length === 0) {
    const status = await requireCampaign(deps, campaignId);
    throw new CampaignError('ROADCAST_ERR_CAMPAIGN_STATE', `a ${status} campaign cannot be paused`);
  }
  await statusEvent(deps, campaignId, 'paused', { reason });
}

/**
 * Continues a paused campaign: the running waves' pending deliveries are enqueued again; a
 * campaign paused before its start goes back to scheduled and starts when due.
 */
export async function resumeCampaign(deps: PipelineDeps, campaignId: string): Promise<void> {
  const { rows } = await deps.pool.query<
    WrittenSoFar & { status: CampaignStatusName; priority: number; startAt: Date }
  >(
    `UPDATE campaigns c SET paused_reason = NULL, updated_at = now(),
       status = CASE WHEN EXISTS (SELECT 1 FROM campaign_waves w WHERE w.campaign_id = c.id AND w.state <> 'pending')
                THEN 'running'::campaign_status ELSE 'scheduled'::campaign_status END
     WHERE id = $1 AND status = 'paused'
     RETURNING status, priority, start_at AS "startAt", ${WRITTEN_SO_FAR}`,
    [campaignId],
  );
  const resumed = rows[0];
  if (!resumed) {
    const status = await requireCampaign(deps, campaignId);
    throw new CampaignError(
      'ROADCAST_ERR_CAMPAIGN_STATE',
      `a ${status} campaign cannot be resumed`,
    );
  }
  await statusEvent(deps, campaignId, resumed.status);
  if (resumed.status === 'scheduled') {
    if (resumed.startAt.getTime() <= Date.now()) await startCampaign(deps, campaignId);
    else await enqueueCampaignStart(deps.queues, campaignId, resumed.startAt);
    return;
  }
  const waves = await deps.pool.query<{ index: number }>(
    `SELECT index FROM campaign_waves WHERE campaign_id = $1 AND state <> 'pending' ORDER BY index`,
    [campaignId],
  );
  await enqueuePendingDeliveries(
    deps,
    campaignId,
    waves.rows.map((w) => w.index),
    resumed.priority,
    writtenRange(resumed),
  );
}

/**
 * Cancels a campaign: every delivery not yet finished becomes cancelled in one statement,
 * and vehicles whose broker accepted the notice for their session get a cancel notice.
 */
export async function cancelCampaign(
  deps: PipelineDeps,
  campaignId: string,
): Promise<{ cancelled: number; told: number }> {
  const client = await deps.pool.connect();
  let told: number[];
  let cancelled: number;
  let priority: number;
  try {
    await client.query('BEGIN');
    const campaign = await client.query<{ priority: number }>(
      `UPDATE campaigns SET status = 'cancelled', completed_at = now(), paused_reason = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('scheduled', 'running', 'paused') RETURNING priority`,
      [campaignId],
    );
    if (!campaign.rows[0]) {
      await client.query('ROLLBACK');
      const status = await requireCampaign(deps, campaignId);
      throw new CampaignError(
        'ROADCAST_ERR_CAMPAIGN_STATE',
        `a ${status} campaign cannot be cancelled`,
      );
    }
    priority = campaign.rows[0].priority;
    // Lock and read each delivery's latest state in the statement that cancels it, so a
    // notice recorded as published concurrently is either seen here or, blocked by the
    // lock, finds the delivery cancelled and gets its cancel notice from the bridge.
    // Parked notices reached no session, so only the other states can have been told.
    const result = await client.query<{ id: number | null; total: number | null }>(
      `WITH target AS (
         SELECT id, state FROM deliveries
         WHERE campaign_id = $1
           AND state IN ('pending', 'published', 'parked', 'received', 'downloading', 'installing')
         FOR UPDATE
       ), cancelled AS (
         UPDATE deliveries d SET state = 'cancelled', cancelled_at = now(), updated_at = now()
         FROM target t WHERE d.id = t.id
         RETURNING d.id
       )
       SELECT NULL::bigint AS id, (SELECT count(*) FROM cancelled)::int AS total
       UNION ALL
       SELECT t.id, NULL FROM target t WHERE t.state IN ('published', 'received', 'downloading', 'installing')`,
      [campaignId],
    );
    told = result.rows.flatMap((r) => (r.id === null ? [] : [r.id])).sort((a, b) => a - b);
    cancelled = result.rows.find((r) => r.id === null)?.total ?? 0;
    await client.query(
      `UPDATE campaign_waves SET state = 'done', completed_at = now() WHERE campaign_id = $1 AND state <> 'done'`,
      [campaignId],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  await enqueueCancelNotices(
    deps.queues,
    chunk(told, deps.fanoutBatchSize).map((deliveryIds) => ({ campaignId, deliveryIds })),
    priority,
  );
  await statusEvent(deps, campaignId, 'cancelled', { cancelled, told: told.length });
  deps.logger?.info({ campaignId, cancelled, told: told.length }, 'campaign cancelled');
  return { cancelled, told: told.length };
}

async function statusEvent(
  deps: PipelineDeps,
  campaignId: string,
  status: CampaignStatusName,
  data: Record<string, unknown> = {},
): Promise<void> {
  if (!deps.redis) return;
  await appendEvent(deps.redis, deps.prefix, {
    type: 'campaign.status',
    at: new Date().toISOString(),
    campaignId,
    data: { status, ...data },
  }).catch((err: unknown) => deps.logger?.warn({ err, campaignId }, 'event not recorded'));
}
