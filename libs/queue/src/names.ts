/** Queues of the campaign pipeline. BullMQ keys live under `${prefix}:bull`. */
export const QUEUES = {
  /** Publishing notices: fan-out batches, re-sends and cancel notices. */
  notices: 'notices',
  /** Campaign lifecycle: scheduled starts, materialization of large targets. */
  campaigns: 'campaigns',
} as const;

export const JOBS = {
  fanout: 'fanout',
  republish: 'republish',
  cancelNotices: 'cancel-notices',
  startCampaign: 'start-campaign',
  materializeCampaign: 'materialize-campaign',
} as const;
export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** The BullMQ key prefix for a Roadcast Redis prefix. */
export const bullPrefix = (prefix: string): string => `${prefix}:bull`;

/** Redis keys and channels shared across apps. */
export const redisKeys = {
  events: (prefix: string) => `${prefix}:events`,
  topologyChanged: (prefix: string) => `${prefix}:topology-changed`,
  policyChanged: (prefix: string) => `${prefix}:policy-changed`,
  presenceEvents: (prefix: string) => `${prefix}:presence-events`,
};

/**
 * BullMQ priority for a campaign priority (0..1000, higher first). BullMQ serves lower
 * numbers first and jobs without a priority before all others, so every notice job gets one.
 */
export function jobPriority(campaignPriority: number): number {
  const p = Math.min(1000, Math.max(0, Math.trunc(campaignPriority)));
  return 1 + (1000 - p);
}
