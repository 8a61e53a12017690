/** One stretch of a campaign's deliveries in id order, walked a stretch per sweep. */
export interface DeliveryWindow {
  /** Deliveries with a greater id than this. */
  after: number;
  /** How many deliveries (of any state) the stretch holds at most. */
  size: number;
}

export interface WindowResult<T> {
  changed: T[];
  /** Where the next stretch starts; 0 when this one reached the campaign's last delivery. */
  next: number;
}

/**
 * Where a sweep that walks campaigns stretch by stretch is in each campaign, so each pass
 * reads a bounded number of deliveries however large the campaign, and a whole campaign is
 * covered every (size / stretch) passes. Campaigns no longer walked are forgotten.
 */
export class StretchCursors {
  private readonly after = new Map<string, number>();

  constructor(readonly stretch: number) {}

  window(campaignId: string): DeliveryWindow {
    return { after: this.after.get(campaignId) ?? 0, size: this.stretch };
  }

  advance(campaignId: string, next: number): void {
    if (next === 0) this.after.delete(campaignId);
    else this.after.set(campaignId, next);
  }

  /** Keeps only these campaigns' positions. */
  retain(campaignIds: Iterable<string>): void {
    const keep = new Set(campaignIds);
    for (const id of this.after.keys()) if (!keep.has(id)) this.after.delete(id);
  }
}
