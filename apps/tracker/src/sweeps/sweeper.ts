import type { Redis } from 'ioredis';
import type pg from 'pg';
import {
  advanceRollouts,
  decideDueBoots,
  expireCampaigns,
  refreshCompletionEstimates,
  joinDynamicCampaigns,
  retryDueDeliveries,
  StretchCursors,
  timeOutSilentDeliveries,
  type DecidedBoot,
  type PipelineDeps,
} from '@roadcast/campaigns';
import type { PipelineQueues } from '@roadcast/queue';
import type { PresenceStore } from '@roadcast/routing';
import type { Logger } from '@roadcast/observability';
import type { TrackerMetrics } from '../tracker-metrics.js';
import type { ResendPacer } from '../reconcile/resend-pacer.js';
import { retryUnacknowledged } from './retry-sweep.js';
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
  /** Deliveries of one campaign the timeout and retry policies read per pass. */
  sweepStretch: number;
  /** Paces re-sends per broker (docs/decisions/0349). */
  resendPacer?: ResendPacer;
  /** How often predicted completion is recomputed, at most; 0 or absent: never. */
  estimateIntervalMs?: number;
  /** Campaigns whose counts a pass changed (for progress events). */
  onChanged?(campaignIds: Iterable<string>): void;
  /** Healthy-boot verdicts of observation windows that ran out (counted and logged there). */
  onBoots?(boots: readonly DecidedBoot[]): void;
}

/**
 * The tracker's timers, run one after another on one interval: expiry first (an expired
 * campaign must not start a wave), then dynamic joins, in-progress timeouts, healthy-boot
 * observation windows and automatic retries (so the rollout sees their counts), the rollout,
 * predicted completion, re-sends and the silent-vehicle report. Every change is a
 * `libs/campaigns` operation guarded in SQL, so several trackers may sweep at once.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly pipeline: PipelineDeps;
  private readonly timeoutCursors: StretchCursors;
  private readonly retryCursors: StretchCursors;
  private estimatedAt = 0;
  private readonly bootCursors: StretchCursors;

  constructor(private readonly options: SweeperOptions) {
    this.pipeline = {
      pool: options.pool,
      queues: options.queues,
      redis: options.redis,
      prefix: options.prefix,
      fanoutBatchSize: options.fanoutBatchSize,
      logger: options.logger,
    };
    this.timeoutCursors = new StretchCursors(options.sweepStretch);
    this.retryCursors = new StretchCursors(options.sweepStretch);
    this.bootCursors = new StretchCursors(options.sweepStretch);
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
    for (const campaign of await expireCampaigns(this.pipeline)) {
      o.metrics.expired.inc(campaign.deliveries);
      o.logger.info(
        { campaignId: campaign.id, deliveries: campaign.deliveries },
        'campaign expired',
      );
    }
    await this.joinDynamic();
    await this.timeOut();
    o.onBoots?.(await decideDueBoots(o.pool, this.bootCursors));
    await this.retryFailures();
    for (const action of await advanceRollouts(this.pipeline)) {
      o.metrics.waveTransitions.inc({ action: action.action });
      const { campaignId } = action;
      if (action.action === 'pause' || action.action === 'cancel') {
        const what = action.action === 'pause' ? 'campaign paused' : 'campaign cancelled';
        o.logger.warn({ campaignId, wave: action.wave, reason: action.reason }, what);
      } else if (action.action === 'next-wave')
        o.logger.info({ campaignId, wave: action.wave }, 'next wave started');
      else if (action.action === 'await-approval')
        o.logger.info({ campaignId, wave: action.wave }, 'next wave awaits approval');
      else o.logger.info({ campaignId }, 'campaign completed');
    }
    await this.estimate();
    await retryUnacknowledged({
      pool: o.pool,
      presence: o.presence,
      queues: o.queues,
      metrics: o.metrics,
      delayMs: o.retryDelayMs,
      maxAttempts: o.retryMaxAttempts,
      ...(o.resendPacer ? { pacer: o.resendPacer } : {}),
    });
    o.metrics.silentVehicles.set(await countSilentVehicles(o.pool, o.silentAfterMs));
  }

  /** Predicted completion, after the rollout so it sees this pass's wave changes (0354). */
  private async estimate(): Promise<void> {
    const every = this.options.estimateIntervalMs ?? 0;
    if (every <= 0 || Date.now() - this.estimatedAt < every) return;
    this.estimatedAt = Date.now();
    // A prediction is never worth the re-sends and reports after it: a failure is logged only.
    try {
      const campaigns = await refreshCompletionEstimates(this.options.pool);
      this.options.logger.debug({ campaigns }, 'completion estimates refreshed');
    } catch (err) {
      this.options.logger.error({ err }, 'completion estimates not refreshed');
    }
  }

  /** Vehicles registered or changed since the last pass join the dynamic campaigns they match. */
  private async joinDynamic(): Promise<void> {
    const joins = await joinDynamicCampaigns(this.pipeline);
    for (const join of joins) {
      this.options.metrics.dynamicJoined.inc(join.deliveryIds.length);
      this.options.logger.info(
        {
          campaignId: join.campaignId,
          wave: join.wave,
          deliveries: join.deliveryIds.length,
          enqueued: join.enqueued,
        },
        'vehicles joined a dynamic campaign',
      );
    }
    this.options.onChanged?.(joins.map((j) => j.campaignId));
  }

  private async timeOut(): Promise<void> {
    const timedOut = await timeOutSilentDeliveries(this.options.pool, this.timeoutCursors);
    if (timedOut.length === 0) return;
    this.options.metrics.timedOut.inc(timedOut.length);
    // One line per campaign: a whole area going silent must not become a line per vehicle.
    const byCampaign = new Map<string, string[]>();
    for (const d of timedOut)
      byCampaign.set(d.campaignId, [...(byCampaign.get(d.campaignId) ?? []), d.vehicleId]);
    for (const [campaignId, vehicles] of byCampaign) {
      this.options.logger.info(
        { campaignId, deliveries: vehicles.length, vehicleIds: vehicles.slice(0, 20) },
        'deliveries timed out',
      );
    }
    this.options.onChanged?.(byCampaign.keys());
  }

  private async retryFailures(): Promise<void> {
    const retried = await retryDueDeliveries(this.pipeline, this.retryCursors);
    for (const [campaignId, deliveries] of retried) {
      this.options.metrics.retried.inc({ by: 'policy' }, deliveries);
      this.options.logger.info({ campaignId, deliveries }, 'deliveries retried by policy');
    }
    this.options.onChanged?.(retried.keys());
  }
}
