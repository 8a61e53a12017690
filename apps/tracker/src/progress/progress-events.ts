import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from '@roadcast/observability';
import { appendEvent } from '@roadcast/queue';

/**
 * Publishes `campaign.progress` events (exact counts per state, from `campaign_counters`) for
 * campaigns whose deliveries changed, at most once per interval per campaign, so a campaign
 * receiving thousands of acks a second costs the event stream one entry a second.
 */
export class ProgressEvents {
  private dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      redis: Redis;
      prefix: string;
      logger: Logger;
      intervalMs: number;
    },
  ) {}

  markChanged(campaignIds: Iterable<string>): void {
    for (const id of campaignIds) this.dirty.add(id);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.publish()
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'progress events not published'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.publish().catch(() => undefined);
  }

  async publish(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty = new Set();
    const { rows } = await this.deps.pool.query<{
      campaignId: string;
      state: string;
      count: number;
    }>(
      `SELECT campaign_id AS "campaignId", state::text AS state, sum(count)::bigint AS count
       FROM campaign_counters WHERE campaign_id = ANY($1::uuid[]) GROUP BY 1, 2`,
      [ids],
    );
    const counts = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const c = counts.get(row.campaignId) ?? {};
      c[row.state] = Number(row.count);
      counts.set(row.campaignId, c);
    }
    const at = new Date().toISOString();
    for (const campaignId of ids) {
      await appendEvent(this.deps.redis, this.deps.prefix, {
        type: 'campaign.progress',
        at,
        campaignId,
        data: { counts: counts.get(campaignId) ?? {} },
      });
    }
  }
}
