import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { DELIVERY_STATES, type DeliveryCounts } from '@roadcast/contracts';
import { appendEvent } from '@roadcast/queue';

/**
 * Campaign progress on the dashboard event stream while notices go out: at most one event
 * per campaign per interval, with the counts from campaign_counters. A change noted inside
 * the interval is not dropped: it is emitted once the interval ends, so the last event of a
 * burst always carries the final counts.
 */
export class ProgressEvents {
  private readonly last = new Map<string, number>();
  private readonly trailing = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: { pool: pg.Pool; redis: Redis; prefix: string; logger: Logger },
    private readonly intervalMs = 1_000,
  ) {}

  note(campaignId: string): void {
    if (this.trailing.has(campaignId)) return;
    const wait = (this.last.get(campaignId) ?? 0) + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.emitNow(campaignId);
      return;
    }
    const timer = setTimeout(() => {
      this.trailing.delete(campaignId);
      this.emitNow(campaignId);
    }, wait);
    timer.unref();
    this.trailing.set(campaignId, timer);
  }

  /** Stops the trailing timers and emits what they held, so no final count is lost. */
  async close(): Promise<void> {
    const held = [...this.trailing.keys()];
    for (const timer of this.trailing.values()) clearTimeout(timer);
    this.trailing.clear();
    for (const campaignId of held) this.emitNow(campaignId);
    await Promise.allSettled([...this.inFlight]);
  }

  private emitNow(campaignId: string): void {
    this.last.set(campaignId, Date.now());
    if (this.last.size > 10_000) this.forgetIdle();
    const emitting = this.emit(campaignId)
      .catch((err: unknown) =>
        this.deps.logger.warn(
          { campaignId, err: (err as Error).message },
          'progress event not recorded',
        ),
      )
      .finally(() => this.inFlight.delete(emitting));
    this.inFlight.add(emitting);
  }

  /** Forgets campaigns that were quiet for a whole interval: their next note emits at once. */
  private forgetIdle(): void {
    const horizon = Date.now() - this.intervalMs;
    for (const [id, at] of this.last) if (at < horizon) this.last.delete(id);
  }

  private async emit(campaignId: string): Promise<void> {
    const { rows } = await this.deps.pool.query<{ state: keyof DeliveryCounts; n: number }>(
      'SELECT state, sum(count)::int AS n FROM campaign_counters WHERE campaign_id = $1 GROUP BY state',
      [campaignId],
    );
    const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as DeliveryCounts;
    for (const r of rows) counts[r.state] = r.n;
    await appendEvent(this.deps.redis, this.deps.prefix, {
      type: 'campaign.progress',
      at: new Date().toISOString(),
      campaignId,
      data: { counts, source: 'bridge' },
    });
  }
}
