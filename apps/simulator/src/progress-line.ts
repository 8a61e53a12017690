import type { FleetStats } from '@roadcast/vehicle-client';

export interface CampaignSummary {
  status: string;
  counts: Record<string, number>;
  pausedReason?: string | null;
}

/** One line: what the fleet sees and, with a campaign, what the platform counted. */
export function progressLine(
  elapsedS: number,
  stats: FleetStats,
  campaign?: CampaignSummary,
): string {
  const parts = [
    `${formatSeconds(elapsedS)}`,
    `online ${stats.connected}/${stats.vehicles}`,
    `told ${stats.notices}`,
    `installed ${stats.installed}`,
    `failed ${stats.failed}`,
    `rejected ${stats.rejected}`,
    `repeats absorbed ${stats.duplicates}`,
    `tunnels ${stats.tunnels}`,
  ];
  if (campaign) {
    const c = campaign.counts;
    const waiting = (c.pending ?? 0) + (c.published ?? 0) + (c.parked ?? 0);
    const working =
      (c.received ?? 0) + (c.downloading ?? 0) + (c.installing ?? 0) + (c.verifying ?? 0);
    parts.push(
      `| campaign ${campaign.status}: waiting ${waiting}, working ${working}, installed ${c.installed ?? 0}, ` +
        `failed ${(c.failed ?? 0) + (c.rejected ?? 0)}, timed out ${c.timed_out ?? 0}, expired ${c.expired ?? 0}`,
    );
    if (campaign.pausedReason) parts.push(`(${campaign.pausedReason})`);
  }
  return parts.join('  ');
}

function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}
