import { performance } from 'node:perf_hooks';
import { DelayedError, type Job } from 'bullmq';
import { FanoutJob, JOBS, parseJobData } from '@roadcast/queue';
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
 *
 * Pacing (docs/decisions/0347, 0348): deliveries outside their region's maintenance window
 * go to a delayed job due at the opening; of the rest, only what the campaign's rate grants
 * now is published, and the job waits, delayed, until the next tokens are due to send more.
 */
export async function processFanout(
  job: Job,
  ctx: BridgeContext,
  token?: string,
): Promise<FanoutResult> {
  const data = parseJobData(FanoutJob, job.data, job.name);
  const status = await ctx.statusCache.get(data.campaignId);
  if (status !== 'running') return { published: 0, parked: 0, skipped: status ?? 'missing' };
  const now = Date.now();
  const t0 = performance.now();
  // Expired deliveries are left to the tracker, which marks them.
  const pending = (await loadDeliveries(ctx.pool, data.deliveryIds, ['pending'])).filter(
    (d) => d.expiresAt.getTime() > now,
  );
  const windows = await ctx.pacing.splitByWindow(data.campaignId, pending);
  if (windows.held.size > 0) {
    const held = await ctx.pacing.hold(windows.held, (deliveryIds) => ({
      name: JOBS.fanout,
      data: { ...data, deliveryIds },
    }));
    ctx.logger.debug({ campaignId: data.campaignId, held }, 'notices wait for their window');
  }
  const { granted, waitMs } = await ctx.pacing.take(data.campaignId, windows.now.length);
  const deliveries = windows.now.slice(0, granted);
  const waiting = windows.now.slice(granted).map((d) => d.id);
  const t1 = performance.now();
  const report = await ctx.publisher.publish(deliveries, 'update');
  const t2 = performance.now();
  await settleReport(ctx, deliveries, report);
  ctx.logger.debug(
    {
      campaignId: data.campaignId,
      deliveries: deliveries.length,
      waiting: waiting.length,
      loadMs: Math.round(t1 - t0),
      publishMs: Math.round(t2 - t1),
      recordMs: Math.round(performance.now() - t2),
    },
    'fan-out batch',
  );
  if (report.failed > 0) {
    await job.updateData({ ...data, deliveryIds: [...report.failedIds(), ...waiting] });
    throw new Error(
      `${report.failed} of ${deliveries.length} notices not published: ${report.firstError()}`,
    );
  }
  if (waiting.length > 0) {
    // The rest waits for the campaign's next tokens; a delayed job costs nothing meanwhile.
    if (token === undefined) {
      const rest = windows.now.slice(granted);
      await ctx.pacing.hold(new Map([[Date.now() + waitMs, rest]]), (deliveryIds) => ({
        name: JOBS.fanout,
        data: { ...data, deliveryIds },
      }));
    } else {
      await job.updateData({ ...data, deliveryIds: waiting });
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError();
    }
  }
  return { published: report.published, parked: report.parked };
}
