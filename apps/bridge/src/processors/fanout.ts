import { performance } from 'node:perf_hooks';
import type { Job } from 'bullmq';
import { FanoutJob, parseJobData } from '@roadcast/queue';
import type { BridgeContext } from '../bridge-context.js';
import { loadDeliveries } from '../delivery-store.js';
import { settleReport } from '../settle-report.js';

export interface FanoutResult {
  published: number;
  parked: number;
  skipped?: string;
}

/**
 * Publishes the update notice for a batch of pending deliveries. A paused, cancelled or
 * finished campaign publishes nothing (the deliveries stay pending for a resume). When some
 * brokers fail, the job keeps only their deliveries and throws, so BullMQ retries those
 * with backoff while what succeeded stays recorded.
 */
export async function processFanout(job: Job, ctx: BridgeContext): Promise<FanoutResult> {
  const data = parseJobData(FanoutJob, job.data, job.name);
  const status = await ctx.statusCache.get(data.campaignId);
  if (status !== 'running') return { published: 0, parked: 0, skipped: status ?? 'missing' };
  const now = Date.now();
  const t0 = performance.now();
  // Expired deliveries are left to the tracker, which marks them.
  const deliveries = (await loadDeliveries(ctx.pool, data.deliveryIds, ['pending'])).filter(
    (d) => d.expiresAt.getTime() > now,
  );
  const t1 = performance.now();
  const report = await ctx.publisher.publish(deliveries, 'update');
  const t2 = performance.now();
  await settleReport(ctx, deliveries, report);
  ctx.logger.debug(
    {
      campaignId: data.campaignId,
      deliveries: deliveries.length,
      loadMs: Math.round(t1 - t0),
      publishMs: Math.round(t2 - t1),
      recordMs: Math.round(performance.now() - t2),
    },
    'fan-out batch',
  );
  if (report.failed > 0) {
    await job.updateData({ ...data, deliveryIds: report.failedIds() });
    throw new Error(
      `${report.failed} of ${deliveries.length} notices not published: ${report.firstError()}`,
    );
  }
  return { published: report.published, parked: report.parked };
}
