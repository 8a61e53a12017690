import { chunk, enqueueCancelNotices } from '@roadcast/queue';
import type { BridgeContext } from './bridge-context.js';
import {
  deliveryStates,
  recordFailures,
  recordOutcomes,
  type DeliveryToPublish,
} from './delivery-store.js';
import type { PublishReport } from './notice-publisher.js';

/**
 * Writes what the brokers answered. A notice that reached a session after its campaign was
 * cancelled (the cancel read the deliveries a moment earlier) gets its cancel notice here.
 */
export async function settleReport(
  ctx: BridgeContext,
  deliveries: readonly DeliveryToPublish[],
  report: PublishReport,
): Promise<void> {
  const updated = await recordOutcomes(ctx.pool, report.outcomes);
  await recordFailures(ctx.pool, report.failures);
  for (const campaignId of new Set(deliveries.map((d) => d.campaignId)))
    ctx.progress.note(campaignId);
  const late = report.outcomes
    .filter((o) => o.state === 'published' && !updated.has(o.id))
    .map((o) => o.id);
  if (late.length === 0) return;
  const states = await deliveryStates(ctx.pool, late);
  const byId = new Map(deliveries.map((d) => [d.id, d]));
  const byCampaign = new Map<string, { priority: number; ids: number[] }>();
  for (const id of late) {
    const d = byId.get(id);
    if (!d || states.get(id) !== 'cancelled') continue;
    const entry = byCampaign.get(d.campaignId) ?? { priority: d.priority, ids: [] };
    entry.ids.push(id);
    byCampaign.set(d.campaignId, entry);
  }
  for (const [campaignId, { priority, ids }] of byCampaign) {
    ctx.logger.info(
      { campaignId, deliveries: ids.length },
      'notices crossed a cancel; sending cancel notices',
    );
    await enqueueCancelNotices(
      ctx.pipeline.queues,
      chunk(ids, ctx.pipeline.fanoutBatchSize).map((deliveryIds) => ({ campaignId, deliveryIds })),
      priority,
    );
  }
}

/** Keeps only the failed deliveries in the job, so its retry publishes nothing twice. */
export function failedIds(report: PublishReport): number[] {
  return [...new Set(report.failures.map((f) => f.id))];
}
