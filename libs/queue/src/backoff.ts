import type { BackoffStrategy } from 'bullmq';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Exponential with full jitter and a ceiling, so a broker outage of hours keeps retrying gently. */
export function cappedExponentialBackoff(options: BackoffOptions): BackoffStrategy {
  return (attemptsMade: number) => {
    const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attemptsMade - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  };
}

/** Job options for notice jobs: many attempts, custom backoff defined by the worker. */
export const NOTICE_JOB_RETRY = {
  attempts: 200,
  backoff: { type: 'custom' },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 24 * 3600 },
} as const;
