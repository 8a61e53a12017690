import type { Redis } from 'ioredis';
import type pg from 'pg';
import { pauseCampaign, startWave, type PipelineDeps } from '@roadcast/campaigns';
import { appendEvent, type PipelineQueues } from '@roadcast/queue';
import type { PresenceStore } from '@roadcast/routing';
import type { Logger } from '@roadcast/observability';
import type { TrackerMetrics } from '../tracker-metrics.js';
import { expireCampaigns } from './expiry-sweep.js';
import { retryUnacknowledged } from './retry-sweep.js';
import { completeCampaign, decideRollout, finishWave, loadRunningCampaigns } from './rollout.js';
import { countSilentVehicles } from './silent-vehicles.js';

export interface SweeperOptions {
  pool: pg.Pool;
  redis: Redis;
  prefix: string;
  queues: PipelineQueues;
  presence: PresenceStore;
  metrics: TrackerMetrics;
  logger: Logger;
  intervalMs: number;
  retryDelayMs: number;
  retryMaxAttempts: number;
  silentAfterMs: number;
  fanoutBatchSize: number;
}

/**
 * The tracker's timers, run one after another on one interval: expiry first (an expired
 * campaign must not start a wave), then rollout, re-sends and the silent-vehicle report.
 * Every step is idempotent and guarded in SQL, so several trackers may sweep at once.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly pipeline: PipelineDeps;

  constructor(private readonly options: SweeperOptions) {
    this.pipeline = {
      pool: options.pool,
      queues: options.queues,
      redis: options.redis,
      prefix: options.prefix,
      fanoutBatchSize: options.fanoutBatchSize,
      logger: options.logger,
    };
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; concurrent calls share the pass in progress. */
  sweep(): Promise<void> {
    this.running ??= this.pass()
      .catch((err: unknown) => this.options.logger.error({ err }, 'sweep failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    const o = this.options;
    for (const campaign of await expireCampaigns(o.pool)) {
      o.metrics.expired.inc(campaign.deliveries);
      o.logger.info(
        { campaignId: campaign.id, deliveries: campaign.deliveries },
        'campaign expired',
      );
      await this.statusEvent(campaign.id, 'expired', { expiredDeliveries: campaign.deliveries });
    }
    await this.rollout();
    await retryUnacknowledged({
      pool: o.pool,
      presence: o.presence,
      queues: o.queues,
      metrics: o.metrics,
      delayMs: o.retryDelayMs,
      maxAttempts: o.retryMaxAttempts,
    });
    o.metrics.silentVehicles.set(await countSilentVehicles(o.pool, o.silentAfterMs));
  }

  private async rollout(): Promise<void> {
    const o = this.options;
    for (const campaign of await loadRunningCampaigns(o.pool)) {
      const decision = decideRollout(campaign);
      const campaignId = campaign.id;
      if (decision.action === 'pause') {
        try {
          await pauseCampaign(this.pipeline, campaignId, decision.reason);
          o.metrics.waveTransitions.inc({ action: 'pause' });
          o.logger.warn(
            { campaignId, wave: decision.wave, reason: decision.reason },
            'campaign paused',
          );
        } catch (err) {
          // Another tracker or an operator changed the campaign's status first.
          o.logger.debug({ err, campaignId }, 'campaign not paused');
        }
      } else if (decision.action === 'next-wave') {
        await finishWave(o.pool, campaignId, decision.finished);
        if (await startWave(this.pipeline, campaignId, decision.wave)) {
          o.metrics.waveTransitions.inc({ action: 'next-wave' });
          o.logger.info({ campaignId, wave: decision.wave }, 'next wave started');
        }
      } else if (decision.action === 'complete') {
        if (await completeCampaign(o.pool, campaignId)) {
          o.metrics.waveTransitions.inc({ action: 'complete' });
          o.logger.info({ campaignId }, 'campaign completed');
          await this.statusEvent(campaignId, 'completed');
        }
      }
    }
  }

  private async statusEvent(
    campaignId: string,
    status: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    await appendEvent(this.options.redis, this.options.prefix, {
      type: 'campaign.status',
      at: new Date().toISOString(),
      campaignId,
      data: { status, ...data },
    }).catch((err: unknown) => this.options.logger.warn({ err, campaignId }, 'event not recorded'));
  }
}
