import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { bullPrefix, cappedExponentialBackoff, JOBS, QUEUES } from '@roadcast/queue';
import type { BridgeContext } from './bridge-context.js';
import { processCancelNotices } from './processors/cancel-notices.js';
import { processFanout } from './processors/fanout.js';
import { processRepublish } from './processors/republish.js';
import { processStartCampaign } from './processors/start-campaign.js';

export interface WorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

const noticeProcessors: Record<string, (job: Job, ctx: BridgeContext) => Promise<unknown>> = {
  [JOBS.fanout]: processFanout,
  [JOBS.republish]: processRepublish,
  [JOBS.cancelNotices]: processCancelNotices,
};

/** BullMQ workers of the notices and campaigns queues. */
export function startWorkers(ctx: BridgeContext, options: WorkerOptions): Worker[] {
  const common = { connection: options.connection, prefix: bullPrefix(options.prefix) };
  const notices = new Worker(
    QUEUES.notices,
    async (job) => {
      const processor = noticeProcessors[job.name];
      if (!processor) throw new UnrecoverableError(`unknown job ${job.name}`);
      return processor(job, ctx);
    },
    {
      ...common,
      concurrency: options.concurrency,
      settings: {
        backoffStrategy: cappedExponentialBackoff({
          baseMs: options.retryBaseMs,
          maxMs: options.retryMaxMs,
        }),
      },
    },
  );
  const campaigns = new Worker(QUEUES.campaigns, (job) => processStartCampaign(job, ctx), {
    ...common,
    concurrency: 2,
  });
  for (const worker of [notices, campaigns]) {
    worker.on('failed', (job, err) => {
      const campaignId = (job?.data as { campaignId?: string } | undefined)?.campaignId;
      ctx.logger.warn(
        {
          queue: worker.name,
          job: job?.name,
          jobId: job?.id,
          attempts: job?.attemptsMade,
          campaignId,
          err: err.message,
        },
        'job failed',
      );
    });
    worker.on('error', (err) =>
      ctx.logger.error({ queue: worker.name, err: err.message }, 'worker error'),
    );
  }
  return [notices, campaigns];
}
