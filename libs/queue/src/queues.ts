import { Queue, type ConnectionOptions } from 'bullmq';
import type {
  CancelNoticesJob,
  FanoutJob,
  MaterializeCampaignJob,
  RepublishJob,
  StartCampaignJob,
} from './jobs.js';
import { NOTICE_JOB_RETRY } from './backoff.js';
import { bullPrefix, JOBS, jobPriority, QUEUES } from './names.js';

export type NoticeJobData = FanoutJob | RepublishJob | CancelNoticesJob;

export type CampaignJobData = StartCampaignJob | MaterializeCampaignJob;

export interface PipelineQueues {
  notices: Queue<NoticeJobData>;
  campaigns: Queue<CampaignJobData>;
  close(): Promise<void>;
}

/** The producer side of the pipeline's queues. */
export function createPipelineQueues(
  connection: ConnectionOptions,
  prefix: string,
): PipelineQueues {
  const notices = new Queue<NoticeJobData>(QUEUES.notices, {
    connection,
    prefix: bullPrefix(prefix),
  });
  const campaigns = new Queue<CampaignJobData>(QUEUES.campaigns, {
    connection,
    prefix: bullPrefix(prefix),
  });
  return {
    notices,
    campaigns,
    async close() {
      await Promise.allSettled([notices.close(), campaigns.close()]);
    },
  };
}

/** Enqueues fan-out batches; the campaign priority orders them against other campaigns. */
export async function enqueueFanout(
  queues: PipelineQueues,
  batches: FanoutJob[],
  campaignPriority: number,
): Promise<void> {
  if (batches.length === 0) return;
  const priority = jobPriority(campaignPriority);
  await queues.notices.addBulk(
    batches.map((data) => ({ name: JOBS.fanout, data, opts: { ...NOTICE_JOB_RETRY, priority } })),
  );
}

/** Re-sends unacknowledged notices (same notice ids) to wherever the vehicles are now. */
export async function enqueueRepublish(
  queues: PipelineQueues,
  data: RepublishJob,
  priority = 0,
  delayMs = 0,
): Promise<void> {
  await queues.notices.add(JOBS.republish, data, {
    ...NOTICE_JOB_RETRY,
    priority: jobPriority(priority),
    ...(delayMs > 0 ? { delay: delayMs } : {}),
  });
}

export async function enqueueCancelNotices(
  queues: PipelineQueues,
  batches: CancelNoticesJob[],
  campaignPriority: number,
): Promise<void> {
  if (batches.length === 0) return;
  const priority = jobPriority(campaignPriority);
  await queues.notices.addBulk(
    batches.map((data) => ({
      name: JOBS.cancelNotices,
      data,
      opts: { ...NOTICE_JOB_RETRY, priority },
    })),
  );
}

/** Starts a campaign when due; the job id makes a repeated request a no-op while it waits. */
export async function enqueueCampaignStart(
  queues: PipelineQueues,
  campaignId: string,
  startAt: Date,
): Promise<void> {
  await queues.campaigns.add(
    JOBS.startCampaign,
    { campaignId },
    {
      jobId: `start-${campaignId}`,
      delay: Math.max(0, startAt.getTime() - Date.now()),
      attempts: 20,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 24 * 3600 },
    },
  );
}

/**
 * Materializes a campaign's deliveries in the background. The job id makes a repeated
 * request a no-op while one is queued or running; a job that ran out of attempts is
 * removed, so asking again later starts a new one that resumes where the last stopped.
 */
export async function enqueueMaterialization(
  queues: PipelineQueues,
  campaignId: string,
): Promise<void> {
  await queues.campaigns.add(
    JOBS.materializeCampaign,
    { campaignId },
    {
      jobId: `materialize-${campaignId}`,
      attempts: 200,
      // The worker's capped exponential backoff, as for notice jobs.
      backoff: { type: 'custom' },
      removeOnComplete: { age: 3600 },
      removeOnFail: true,
    },
  );
}

/** Splits ids into batches of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
