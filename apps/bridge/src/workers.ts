import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { bullPrefix, cappedExponentialBackoff, JOBS, QUEUES } from '@roadcast/queue';
import type { BridgeContext } from './bridge-context.js';
import { processCancelNotices } from './processors/cancel-notices.js';
import { processFanout } from './processors/fanout.js';
import { processMaterializeCampaign } from './processors/materialize-campaign.js';
import { processRepublish } from './processors/republish.js';
import { processStartCampaign } from './processors/start-campaign.js';

export interface WorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

type Processor = (job: Job, ctx: BridgeContext, token?: string) => Promise<unknown>;

const noticeProcessors: Record<string, Processor> = {
  [JOBS.fanout]: processFanout,
  [JOBS.republish]: processRepublish,
  [JOBS.cancelNotices]: processCancelNotices,
};

const campaignProcessors: Record<string, Processor> = {
  [JOBS.startCampaign]: processStartCampaign,
  [JOBS.materializeCampaign]: processMaterializeCampaign,
};

function dispatch(processors: typeof noticeProcessors, ctx: BridgeContext) {
  return async (job: Job, token?: string) => {
    const processor = processors[job.name];
    if (!processor) throw new UnrecoverableError(`unknown job ${job.name}`);
    return processor(job, ctx, token);
  };
}

/** BullMQ workers of the notices and campaigns queues. */
export function startWorkers(ctx: BridgeContext, options: WorkerOptions): Worker[] {
  const common = {
    connection: options.connection,
    prefix: bullPrefix(options.prefix),
    settings: {
      backoffStrategy: cappedExponentialBackoff({
        baseMs: options.retryBaseMs,
        maxMs: options.retryMaxMs,
      }),
    },
  };
  const notices = new Worker(QUEUES.notices, dispatch(noticeProcessors, ctx), {
    ...common,
    concurrency: options.concurrency,
  });
  // Materializations take minutes for large targets; scheduled starts must not wait behind them.
  const campaigns = new Worker(QUEUES.campaigns, dispatch(campaignProcessors, ctx), {
    ...common,
    concurrency: 4,
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
