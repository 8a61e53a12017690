import { recordPublishOutcomes } from '@roadcast/campaigns';
import { chunk, enqueueCancelNotices } from '@roadcast/queue';
import type { BridgeContext } from './bridge-context.js';
import { cancelledAmong, type DeliveryToPublish } from './delivery-store.js';
import type { PublishReport } from './publish-report.js';

/**
 * Writes what the brokers answered, in one statement (the recordPublishOutcomes operation of
 * libs/campaigns). A notice that reached a session after
 * its campaign was cancelled (the cancel read the deliveries a moment earlier) gets its
 * cancel notice here.
 */
export async function settleReport(
  ctx: BridgeContext,
  deliveries: readonly DeliveryToPublish[],
  report: PublishReport,
): Promise<void> {
  const published = await recordPublishOutcomes(ctx.pool, report);
  const campaigns = new Set<string>();
  for (const d of deliveries) campaigns.add(d.campaignId);
  for (const campaignId of campaigns) ctx.progress.note(campaignId);
  if (published === report.published) return;
  const cancelled = await cancelledAmong(ctx.pool, report.publishedIds());
  if (cancelled.length === 0) return;
  const byId = new Map(deliveries.map((d) => [d.id, d]));
  const byCampaign = new Map<string, { priority: number; ids: number[] }>();
  for (const id of cancelled) {
    const d = byId.get(id);
    if (!d) continue;
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
