import type { Job } from 'bullmq';
import { UNACKNOWLEDGED_DELIVERY_STATES } from '@roadcast/contracts';
import { JOBS, parseJobData, RepublishJob } from '@roadcast/queue';
import type { BridgeContext } from '../bridge-context.js';
import { loadDeliveries, type DeliveryToPublish } from '../delivery-store.js';
import { settleReport } from '../settle-report.js';

/**
 * Sends unacknowledged notices again, with their original notice ids, to wherever each
 * vehicle is now. Deliveries of campaigns that are not running, or already acknowledged,
 * are left alone; those outside their region's maintenance window wait for it in a delayed
 * job (docs/decisions/0348), and first notices of a rate-limited campaign go only as its
 * rate allows (docs/decisions/0347).
 */
export async function processRepublish(job: Job, ctx: BridgeContext): Promise<{ sent: number }> {
  const data = parseJobData(RepublishJob, job.data, job.name);
  const now = Date.now();
  const due = (
    await loadDeliveries(ctx.pool, data.deliveryIds, UNACKNOWLEDGED_DELIVERY_STATES)
  ).filter((d) => d.campaignStatus === 'running' && d.expiresAt.getTime() > now);
  const byCampaign = new Map<string, DeliveryToPublish[]>();
  for (const d of due) {
    const ofCampaign = byCampaign.get(d.campaignId);
    if (ofCampaign) ofCampaign.push(d);
    else byCampaign.set(d.campaignId, [d]);
  }
  const deliveries: DeliveryToPublish[] = [];
  for (const [campaignId, ofCampaign] of byCampaign) {
    const windows = await ctx.pacing.splitByWindow(campaignId, ofCampaign);
    // A pending delivery has not been told yet: this is its first notice, which spends the
    // campaign's rate (0347). What the rate does not allow now is left to the campaign's
    // fan-out jobs, which hold it until its tokens come.
    const first = windows.now.filter((d) => d.state === 'pending');
    const { granted } = await ctx.pacing.take(campaignId, first.length);
    const later = new Set(first.slice(granted).map((d) => d.id));
    deliveries.push(...windows.now.filter((d) => !later.has(d.id)));
    await ctx.pacing.hold(windows.held, (deliveryIds) => ({
      name: JOBS.republish,
      data: { ...data, deliveryIds },
    }));
  }
  const report = await ctx.publisher.publish(deliveries, 'update');
  await settleReport(ctx, deliveries, report);
  if (report.failed > 0) {
    await job.updateData({ ...data, deliveryIds: report.failedIds() });
    throw new Error(
      `${report.failed} of ${deliveries.length} notices not re-sent: ${report.firstError()}`,
    );
  }
  ctx.logger.debug({ reason: data.reason, sent: report.accepted }, 'notices re-sent');
  return { sent: report.accepted };
}
