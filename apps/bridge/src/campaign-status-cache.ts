import type pg from 'pg';
import type { CampaignStatusName } from '@roadcast/contracts';

interface Entry {
  status: CampaignStatusName | undefined;
  readAt: number;
}

/**
 * Campaign status read at most once per `ttlMs` per campaign, so every batch checks for a
 * pause or cancel without a query per batch; a change takes effect within `ttlMs`.
 */
export class CampaignStatusCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pool: pg.Pool;
  private readonly ttlMs: number;

  constructor(pool: pg.Pool, ttlMs: number) {
    this.pool = pool;
    this.ttlMs = ttlMs;
  }

  async get(campaignId: string): Promise<CampaignStatusName | undefined> {
    const now = Date.now();
    const hit = this.entries.get(campaignId);
    if (hit && now - hit.readAt < this.ttlMs) return hit.status;
    const { rows } = await this.pool.query<{ status: CampaignStatusName }>(
      'SELECT status FROM campaigns WHERE id = $1',
      [campaignId],
    );
    const status = rows[0]?.status;
    this.entries.set(campaignId, { status, readAt: now });
    if (this.entries.size > 10_000) {
      for (const [id, e] of this.entries) if (now - e.readAt >= this.ttlMs) this.entries.delete(id);
    }
    return status;
  }
}
