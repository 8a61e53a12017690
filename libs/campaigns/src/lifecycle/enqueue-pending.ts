import { chunk, enqueueFanout } from '@roadcast/queue';
import type { PipelineDeps } from '../pipeline-deps.js';

/** Ids read per round trip when enqueueing a large wave. */
const ID_PAGE = 50_000;

/** What a wave start or resume reads, under the campaign's row lock, of what is written. */
export interface WrittenSoFar {
  lastDeliveryId: number | null;
  materialized: boolean;
}
export const WRITTEN_SO_FAR = `last_delivery_id AS "lastDeliveryId", materialized_at IS NOT NULL AS materialized`;

export interface DeliveryRange {
  /** Only deliveries with a greater id. */
  after?: number;
  /** Only deliveries up to this id. */
  upTo?: number;
}

/**
 * While deliveries are still being written, a chunk committed after a wave start (or a
 * resume) enqueues its own fan-out, having seen the wave started; the start enqueues the
 * rest, up to the last delivery written when it took the campaign's row. Once everything
 * is written, the start takes all.
 */
export function writtenRange(w: WrittenSoFar): DeliveryRange {
  return w.materialized ? {} : { upTo: w.lastDeliveryId ?? 0 };
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
      jobs += await enqueueDeliveries(deps, campaignId, wave, ids, priority);
      if (rows.length < ID_PAGE) break;
    }
  }
  return jobs;
}

/** Enqueues fan-out jobs for these pending deliveries of one wave; returns the number of jobs. */
export async function enqueueDeliveries(
  deps: PipelineDeps,
  campaignId: string,
  wave: number,
  ids: readonly number[],
  priority: number,
): Promise<number> {
  const batches = chunk(ids, deps.fanoutBatchSize).map((deliveryIds) => ({
    campaignId,
    wave,
    deliveryIds,
  }));
  await enqueueFanout(deps.queues, batches, priority);
  return batches.length;
}
