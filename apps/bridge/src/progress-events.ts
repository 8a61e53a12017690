import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { DELIVERY_STATES, type DeliveryCounts } from '@roadcast/contracts';
import { appendEvent } from '@roadcast/queue';

/**
 * Campaign progress on the dashboard event stream while notices go out: at most one event
 * per campaign per interval, with the counts from campaign_counters.
 */
export class ProgressEvents {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly deps: { pool: pg.Pool; redis: Redis; prefix: string; logger: Logger },
    private readonly intervalMs = 1_000,
  ) {}

  note(campaignId: string): void {
    const now = Date.now();
    if (now - (this.last.get(campaignId) ?? 0) < this.intervalMs) return;
    this.last.set(campaignId, now);
    if (this.last.size > 10_000) this.last.clear();
    this.emit(campaignId).catch((err: unknown) =>
      this.deps.logger.warn(
        { campaignId, err: (err as Error).message },
        'progress event not recorded',
      ),
    );
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
