import type { Job } from 'bullmq';
import { CancelNoticesJob, parseJobData } from '@roadcast/queue';
import type { BridgeContext } from '../bridge-context.js';
import { loadDeliveries } from '../delivery-store.js';

/**
 * Tells vehicles that were told about a cancelled campaign that it is withdrawn. The
 * deliveries are already cancelled, so nothing is recorded; a retry re-sends only to the
 * brokers that failed, with the same derived notice ids.
 */
export async function processCancelNotices(
  job: Job,
  ctx: BridgeContext,
): Promise<{ sent: number }> {
  const data = parseJobData(CancelNoticesJob, job.data, job.name);
  const now = Date.now();
  const deliveries = (await loadDeliveries(ctx.pool, data.deliveryIds, ['cancelled'])).filter(
    (d) => d.expiresAt.getTime() > now,
  );
  const report = await ctx.publisher.publish(deliveries, 'cancel');
  if (report.failed > 0) {
    await job.updateData({ ...data, deliveryIds: report.failedIds() });
    throw new Error(`${report.failed} cancel notices not published: ${report.firstError()}`);
  }
  ctx.logger.info({ campaignId: data.campaignId, sent: report.accepted }, 'cancel notices sent');
  return { sent: report.accepted };
}
