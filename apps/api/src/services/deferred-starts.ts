import type { Logger } from 'pino';
import {
  CampaignError,
  pauseCampaign,
  resumeCampaign,
  type PipelineDeps,
} from '@roadcast/campaigns';
import { unavailableDependency } from './dependency-errors.js';
import type { DependencyHealth } from './dependency-health.js';

/** The pause reason of a campaign whose start waits for the job queue. */
export const DEFERRED_START_REASON =
  'start deferred: the job queue was unavailable; it resumes by itself when the queue is back';

export interface DeferredStartsOptions {
  pipeline: PipelineDeps;
  health: DependencyHealth;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Campaigns stored in Postgres whose start could not be enqueued because Redis went away
 * between the commit and the enqueue. Such a campaign is paused with a reason of its own,
 * which is a state every API instance and operator understands: nothing is published, and
 * resuming enqueues every delivery still pending. Every interval, while Redis answers, each
 * API instance resumes the campaigns paused for this reason (only one wins each resume), so
 * the start happens without anybody's help and survives API restarts.
 */
export class DeferredStarts {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;

  constructor(private readonly options: DeferredStartsOptions) {
    this.timer = setInterval(() => void this.resumeDue(), options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  /** Holds a stored campaign whose start failed for lack of Redis; false if it had moved on. */
  async defer(campaignId: string): Promise<boolean> {
    try {
      await pauseCampaign(this.options.pipeline, campaignId, DEFERRED_START_REASON);
    } catch (err) {
      if (err instanceof CampaignError) return false;
      throw err;
    }
    this.options.logger.warn({ campaignId }, 'campaign start deferred until redis is back');
    return true;
  }

  /** One pass over the deferred campaigns; concurrent calls share it. */
  resumeDue(): Promise<void> {
    this.running ??= this.pass()
      .catch((err: unknown) =>
        this.options.logger.warn({ err }, 'deferred campaign starts not resumed'),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    const { pipeline, health, logger } = this.options;
    if (health.isDown('redis') || health.isDown('database')) return;
    const { rows } = await pipeline.pool.query<{ id: string }>(
      `SELECT id FROM campaigns WHERE status = 'paused' AND paused_reason = $1
       ORDER BY created_at LIMIT 100`,
      [DEFERRED_START_REASON],
    );
    for (const { id } of rows) {
      try {
        await resumeCampaign(pipeline, id);
        logger.info({ campaignId: id }, 'deferred campaign start resumed');
      } catch (err) {
        // Another API instance resumed it first.
        if (err instanceof CampaignError) continue;
        if (unavailableDependency(err) === 'redis') {
          await this.defer(id);
          return;
        }
        throw err;
      }
    }
  }
}
