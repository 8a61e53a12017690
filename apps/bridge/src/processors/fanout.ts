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
  /** Deliveries left for later: the campaign's rate or another job's turn. */
  waiting?: number;
}

/**
 * Publishes the update notice for a batch of pending deliveries. A paused, cancelled or
 * finished campaign publishes nothing (the deliveries stay pending for a resume). When some
 * brokers fail, the job keeps only their deliveries and throws, so BullMQ retries those
 * with backoff while what succeeded stays recorded.
 *
 * Pacing (docs/decisions/0347, 0348): for a campaign with a rate, one job at a time spends its
 * tokens (the others sleep, delayed, until it expects to be done) and publishes only what the
 * tokens allow, sleeping until the next ones are due; nothing is read from Postgres for
 * deliveries that are not sent. Deliveries outside their region's maintenance window go to a
 * delayed job due at the opening.
 */
export async function processFanout(
  job: Job,
  ctx: BridgeContext,
  token?: string,
): Promise<FanoutResult> {
  const data = parseJobData(FanoutJob, job.data, job.name);
  const { campaignId } = data;
  const holder = job.id ?? `fanout-${data.deliveryIds[0]}`;
  const status = await ctx.statusCache.get(campaignId);
  const perMinute = await ctx.pacing.allowedPerMinute(campaignId);
  if (status !== 'running') {
    if (perMinute !== null) await ctx.pacing.release(campaignId, holder);
    return { published: 0, parked: 0, skipped: status ?? 'missing' };
  }
  let ids = data.deliveryIds;
  let rest: number[] = [];
  let restInMs = 0;
  if (perMinute !== null) {
    const turn = await ctx.pacing.lease(campaignId, holder, ids.length, perMinute);
    if (!turn.held) return later(job, ctx, token, ids, turn.retryInMs);
    const { granted, waitMs } = await ctx.pacing.take(campaignId, ids.length);
    rest = ids.slice(granted);
    ids = ids.slice(0, granted);
    restInMs = waitMs;
  }
  const published = ids.length > 0 ? await publish(job, ctx, ids, rest) : undefined;
  if (rest.length > 0) return later(job, ctx, token, rest, restInMs, published);
  if (perMinute !== null) await ctx.pacing.release(campaignId, holder);
  return published ?? { published: 0, parked: 0 };
}

async function publish(
  job: Job,
  ctx: BridgeContext,
  ids: number[],
  rest: number[],
): Promise<FanoutResult> {
  const data = parseJobData(FanoutJob, job.data, job.name);
  const now = Date.now();
  const t0 = performance.now();
  // Expired deliveries are left to the tracker, which marks them.
  const pending = (await loadDeliveries(ctx.pool, ids, ['pending'])).filter(
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
  const deliveries = windows.now;
  const t1 = performance.now();
  const report = await ctx.publisher.publish(deliveries, 'update');
  const t2 = performance.now();
  await settleReport(ctx, deliveries, report);
  ctx.logger.debug(
    {
      campaignId: data.campaignId,
      deliveries: deliveries.length,
      waiting: rest.length,
      loadMs: Math.round(t1 - t0),
      publishMs: Math.round(t2 - t1),
      recordMs: Math.round(performance.now() - t2),
    },
    'fan-out batch',
  );
  if (report.failed > 0) {
    // Another job may pace the campaign while this one backs off.
    await ctx.pacing.release(data.campaignId, job.id ?? `fanout-${data.deliveryIds[0]}`);
    await job.updateData({ ...data, deliveryIds: [...report.failedIds(), ...rest] });
    throw new Error(
      `${report.failed} of ${deliveries.length} notices not published: ${report.firstError()}`,
    );
  }
  return { published: report.published, parked: report.parked };
}

/**
 * Keeps `ids` for later: the job moves itself to the delayed set (a delayed job costs
 * nothing while it waits) and comes back in `inMs`. Called outside a worker, it hands them
 * to a new delayed job instead.
 */
async function later(
  job: Job,
  ctx: BridgeContext,
  token: string | undefined,
  ids: number[],
  inMs: number,
  done: FanoutResult = { published: 0, parked: 0 },
): Promise<FanoutResult> {
  const data = parseJobData(FanoutJob, job.data, job.name);
  if (token === undefined) {
    await ctx.pipeline.queues.notices.add(
      JOBS.fanout,
      { ...data, deliveryIds: ids },
      { delay: inMs, attempts: job.opts.attempts ?? 1, priority: job.opts.priority ?? 1 },
    );
    return { ...done, waiting: ids.length };
  }
  await job.updateData({ ...data, deliveryIds: ids });
  await job.moveToDelayed(Date.now() + inMs, token);
  throw new DelayedError();
}
