import type { Job } from 'bullmq';
import { UNACKNOWLEDGED_DELIVERY_STATES } from '@roadcast/contracts';
import { parseJobData, RepublishJob } from '@roadcast/queue';
import type { BridgeContext } from '../bridge-context.js';
import { loadDeliveries } from '../delivery-store.js';
import { settleReport } from '../settle-report.js';

/**
 * Sends unacknowledged notices again, with their original notice ids, to wherever each
 * vehicle is now. Deliveries of campaigns that are not running, or already acknowledged,
 * are left alone.
 */
export async function processRepublish(job: Job, ctx: BridgeContext): Promise<{ sent: number }> {
  const data = parseJobData(RepublishJob, job.data, job.name);
  const now = Date.now();
  const deliveries = (
    await loadDeliveries(ctx.pool, data.deliveryIds, UNACKNOWLEDGED_DELIVERY_STATES)
  ).filter((d) => d.campaignStatus === 'running' && d.expiresAt.getTime() > now);
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
