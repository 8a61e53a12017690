import type pg from 'pg';
import {
  ACTIVE_CAMPAIGN_STATUSES,
  type CampaignStatusName,
  type CampaignTarget,
} from '@roadcast/contracts';
import { chunk, enqueueFanout, enqueueMaterialization } from '@roadcast/queue';
import { DeliveriesStatistics } from './deliveries-statistics.js';
import { enqueuePendingDeliveries } from './lifecycle/enqueue-pending.js';
import { inTransaction } from './lifecycle/in-transaction.js';
import { recordWaveSizes } from './materialize.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { sqlList, STARTED_WAVE } from './transitions/state-sql.js';
import { planWaveBoundaries, streamedTarget } from './wave-boundaries.js';

/** Rows per chunk: small first, so the first notices leave quickly, then larger. */
export const DEFAULT_CHUNK_SIZES: readonly number[] = [1_000, 4_000, 10_000, 25_000];

export interface MaterializeResult {
  /** Every delivery is written. */
  done: boolean;
  /** The campaign ended (cancelled, expired) before it was: the rest is not written. */
  stopped: boolean;
  written: number;
}

export interface MaterializeHooks {
  /** After a chunk committed, before its fan-out is enqueued (tests use it as a crash). */
  afterCommit?(chunkIndex: number): void | Promise<void>;
}

interface CampaignState {
  status: CampaignStatusName;
  priority: number;
  target: CampaignTarget;
  createdAt: Date;
  cursor: string | null;
  targetSize: number | null;
  lastDeliveryId: number | null;
  enqueuedThrough: number | null;
  materialized: boolean;
  /** Waves that have started; a chunk's deliveries in them go out at once. */
  started: number[];
}

async function lockCampaign(client: pg.PoolClient, campaignId: string): Promise<CampaignState> {
  const { rows } = await client.query<Omit<CampaignState, 'started'>>(
    `SELECT status, priority, target, created_at AS "createdAt", materialize_cursor AS cursor,
            target_size AS "targetSize", last_delivery_id AS "lastDeliveryId",
            enqueued_through AS "enqueuedThrough", materialized_at IS NOT NULL AS materialized
     FROM campaigns WHERE id = $1 FOR NO KEY UPDATE`,
    [campaignId],
  );
  const row = rows[0];
  if (!row) throw new Error(`campaign ${campaignId} not found`);
  // A statement of its own, so it sees what a wave start that held the row just committed.
  const waves = await client.query<{ index: number }>(
    `SELECT index FROM campaign_waves w WHERE campaign_id = $1 AND ${STARTED_WAVE} ORDER BY index`,
    [campaignId],
  );
  return { ...row, started: waves.rows.map((w) => w.index) };
}

/**
 * Counts the target and fixes the waves' starts and sizes once, before the first chunk,
 * under the campaign's row lock (a second runner finds them set).
 */
async function planOnce(deps: PipelineDeps, campaignId: string): Promise<void> {
  await inTransaction(deps.pool, async (client) => {
    const c = await lockCampaign(client, campaignId);
    if (c.targetSize !== null || c.materialized) return;
    const { rows: waves } = await client.query<{ index: number; percent: number }>(
      'SELECT index, percent FROM campaign_waves WHERE campaign_id = $1 ORDER BY index',
      [campaignId],
    );
    const plan = await planWaveBoundaries(client, campaignId, c.target, c.createdAt, waves);
    await client.query(
      `UPDATE campaign_waves w SET size = p.size, start_hash = p.h, start_vehicle_id = p.vid
       FROM unnest($2::int[], $3::int[], $4::int[], $5::text[]) AS p(index, size, h, vid)
       WHERE w.campaign_id = $1 AND w.index = p.index`,
      [
        campaignId,
        plan.waves.map((w) => w.index),
        plan.waves.map((w) => w.size),
        plan.waves.map((w) => w.startHash),
        plan.waves.map((w) => w.startVehicleId),
      ],
    );
    await client.query('UPDATE campaigns SET target_size = $2 WHERE id = $1', [
      campaignId,
      plan.targetSize,
    ]);
  });
}

interface Chunk {
  state: CampaignState;
  picked: number;
  /** Inserted deliveries as "id:wave" pairs, in id order. */
  inserted: Array<{ id: number; wave: number }>;
  done: boolean;
}

/**
 * Writes the next chunk of deliveries in vehicle id order, in one transaction that holds
 * the campaign's row: a cancel, pause, resume or wave start waits for it and then sees its
 * rows, and it sees theirs. The cursor and the highest delivery id move in the same
 * transaction, so a crash resumes exactly after the last committed chunk.
 */
async function writeChunk(deps: PipelineDeps, campaignId: string, size: number): Promise<Chunk> {
  return inTransaction(deps.pool, async (client) => {
    const state = await lockCampaign(client, campaignId);
    if (state.materialized || !ACTIVE_CAMPAIGN_STATUSES.includes(state.status))
      return { state, picked: 0, inserted: [], done: state.materialized };
    const { rows: starts } = await client.query<{ h: number | null; vid: string | null }>(
      `SELECT start_hash AS h, start_vehicle_id AS vid FROM campaign_waves
       WHERE campaign_id = $1 AND index > 0 ORDER BY index`,
      [campaignId],
    );
    const where = streamedTarget(state.target, 3);
    const values: unknown[] = [
      campaignId,
      state.cursor ?? '',
      size,
      state.createdAt,
      ...where.values,
    ];
    let waveExpr = '0';
    if (starts.length > 0) {
      values.push(
        starts.map((s) => s.h),
        starts.map((s) => s.vid),
      );
      // A vehicle's wave is the number of later waves whose start it has reached.
      waveExpr = `(SELECT count(*)::int FROM unnest($${values.length - 1}::int[], $${values.length}::text[]) AS b(h, vid)
                   WHERE (hashtext(v.id || $1::text), v.id) >= (b.h, b.vid))`;
    }
    const { rows } = await client.query<{
      picked: number;
      cursor: string | null;
      ids: string | null;
    }>(
      `WITH picked AS (
         SELECT v.id, ${waveExpr} AS wave FROM vehicles v
         WHERE v.id > $2 AND ${where.text}
         ORDER BY v.id LIMIT $3
       ), inserted AS (
         INSERT INTO deliveries (campaign_id, vehicle_id, notice_id, wave)
         SELECT $1::uuid, id, gen_random_uuid(), wave FROM picked ORDER BY id
         ON CONFLICT (vehicle_id, campaign_id) DO NOTHING
         RETURNING id, wave
       )
       SELECT (SELECT count(*)::int FROM picked) AS picked,
              (SELECT max(id) FROM picked) AS cursor,
              (SELECT string_agg(id || ':' || wave, ',' ORDER BY id) FROM inserted) AS ids`,
      values,
    );
    const result = rows[0]!;
    const inserted = (result.ids ? result.ids.split(',') : []).map((pair) => {
      const colon = pair.indexOf(':');
      return { id: Number(pair.slice(0, colon)), wave: Number(pair.slice(colon + 1)) };
    });
    const done = result.picked < size;
    await client.query(
      `UPDATE campaigns SET
         materialize_cursor = COALESCE($2, materialize_cursor),
         last_delivery_id = GREATEST(last_delivery_id, $3::bigint),
         materialized_at = CASE WHEN $4 THEN now() ELSE materialized_at END
       WHERE id = $1`,
      [campaignId, result.cursor, inserted.at(-1)?.id ?? null, done],
    );
    // Exact sizes from the counters, for a target that changed while it was written.
    if (done) await recordWaveSizes(client, campaignId);
    return { state, picked: result.picked, inserted, done };
  });
}

/** Enqueues fan-out for a committed chunk's deliveries in waves that had started then. */
async function enqueueChunk(deps: PipelineDeps, campaignId: string, c: Chunk): Promise<void> {
  if (c.state.status !== 'running' || c.inserted.length === 0) return;
  const started = new Set(c.state.started);
  const byWave = new Map<number, number[]>();
  for (const d of c.inserted) {
    if (!started.has(d.wave)) continue;
    const ids = byWave.get(d.wave);
    if (ids) ids.push(d.id);
    else byWave.set(d.wave, [d.id]);
  }
  const batches = [...byWave].flatMap(([wave, ids]) =>
    chunk(ids, deps.fanoutBatchSize).map((deliveryIds) => ({ campaignId, wave, deliveryIds })),
  );
  await enqueueFanout(deps.queues, batches, c.state.priority);
}

async function markEnqueued(
  deps: PipelineDeps,
  campaignId: string,
  through: number,
): Promise<void> {
  await deps.pool.query(
    `UPDATE campaigns SET enqueued_through = GREATEST(enqueued_through, $2::bigint) WHERE id = $1`,
    [campaignId, through],
  );
}

/**
 * Writes a campaign's deliveries in chunks and enqueues each chunk's fan-out as soon as it
 * commits, so the first notices leave while the rest is still being written. Resumable:
 * it continues after the last committed chunk, and first enqueues what a crash left
 * committed but not enqueued. Stops, leaving the rest unwritten, once the campaign is
 * cancelled or expired.
 */
export async function materializeCampaign(
  deps: PipelineDeps,
  campaignId: string,
  hooks: MaterializeHooks = {},
): Promise<MaterializeResult> {
  const sizes = deps.materialization?.chunkSizes ?? DEFAULT_CHUNK_SIZES;
  const first = await inTransaction(deps.pool, (client) => lockCampaign(client, campaignId));
  if (first.materialized) return { done: true, stopped: false, written: 0 };
  if (
    first.status === 'running' &&
    first.lastDeliveryId !== null &&
    first.lastDeliveryId > (first.enqueuedThrough ?? 0)
  ) {
    await enqueuePendingDeliveries(deps, campaignId, first.started, first.priority, {
      after: first.enqueuedThrough ?? 0,
      upTo: first.lastDeliveryId,
    });
    await markEnqueued(deps, campaignId, first.lastDeliveryId);
  }
  await planOnce(deps, campaignId);
  const statistics = new DeliveriesStatistics(
    deps.pool,
    deps.materialization?.analyzeAfterRows,
    deps.logger,
  );
  let written = 0;
  for (let i = 0; ; i += 1) {
    const size = sizes[Math.min(i, sizes.length - 1)]!;
    const c = await writeChunk(deps, campaignId, size);
    if (!c.done && c.picked === 0) return { done: false, stopped: true, written };
    written += c.inserted.length;
    await hooks.afterCommit?.(i);
    await enqueueChunk(deps, campaignId, c);
    const last = c.inserted.at(-1);
    if (last) await markEnqueued(deps, campaignId, last.id);
    await statistics.noteWritten(written);
    if (c.done) {
      deps.logger?.info({ campaignId, written }, 'campaign materialized');
      return { done: true, stopped: false, written };
    }
  }
}

/**
 * Hands every campaign whose deliveries are still being written back to the queue: after
 * a create request stored its campaign but died before enqueueing the job, or after the
 * job ran out of attempts. The job id makes this a no-op for one already queued.
 */
export async function resumeMaterializations(deps: PipelineDeps): Promise<number> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT id FROM campaigns
     WHERE materialized_at IS NULL AND status IN ${sqlList(ACTIVE_CAMPAIGN_STATUSES)}`,
  );
  for (const { id } of rows) await enqueueMaterialization(deps.queues, id);
  return rows.length;
}
