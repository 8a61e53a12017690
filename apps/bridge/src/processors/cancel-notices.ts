import type { Job } from 'bullmq';
import { CancelNoticesJob, parseJobData } from '@roadcast/queue';
import type { BridgeContext } from '../bridge-context.js';
import { loadDeliveries } from '../delivery-store.js';
import { failedIds } from '../settle-report.js';

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
  const failed = failedIds(report);
  if (failed.length > 0) {
    await job.updateData({ ...data, deliveryIds: failed });
    throw new Error(
      `${failed.length} cancel notices not published: ${report.failures[0]?.error ?? ''}`,
    );
  }
  ctx.logger.info(
    { campaignId: data.campaignId, sent: report.outcomes.length },
    'cancel notices sent',
  );
  return { sent: report.outcomes.length };
}
