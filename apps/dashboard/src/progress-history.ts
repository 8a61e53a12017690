import { normaliseCounts, type Counts } from './delivery-states.js';

export interface ProgressSample {
  at: number;
  counts: Counts;
}

/**
 * Counts per state over time for each campaign, from `campaign.progress` events (replayed
 * from the stream's recent history at start-up, then live) and from fetched details. The
 * acknowledgement chart draws these. Samples are kept in time order and capped per campaign.
 */
export class ProgressHistory {
  private readonly byCampaign = new Map<string, ProgressSample[]>();

  constructor(private readonly maxSamples = 2_000) {}

  record(campaignId: string, at: number, rawCounts: unknown): void {
    if (!Number.isFinite(at)) return;
    const list = this.byCampaign.get(campaignId) ?? [];
    const sample = { at, counts: normaliseCounts(rawCounts) };
    // Events normally arrive in order; a fetched detail may land between two of them.
    let i = list.length;
    while (i > 0 && list[i - 1]!.at > at) i -= 1;
    if (list[i - 1]?.at === at) list[i - 1] = sample;
    else list.splice(i, 0, sample);
    if (list.length > this.maxSamples) list.splice(0, list.length - this.maxSamples);
    this.byCampaign.set(campaignId, list);
  }

  samples(campaignId: string): readonly ProgressSample[] {
    return this.byCampaign.get(campaignId) ?? [];
  }
}
