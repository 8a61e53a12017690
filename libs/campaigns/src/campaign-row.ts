import {
  DELIVERY_STATES,
  NOT_REACHED_DELIVERY_STATES,
  REACHED_DELIVERY_STATES,
  type Campaign,
  type CampaignTarget,
  type DeliveryCounts,
} from '@roadcast/contracts';
import { OPTION_COLUMNS, toSettings, type OptionColumns } from './campaign-options.js';

/** Columns every campaign read selects, aliased to camelCase. */
export const CAMPAIGN_COLUMNS = `
  c.id, c.name, c.update_id AS "updateId", c.update_version AS "updateVersion",
  c.update_url AS "updateUrl", c.update_sha256 AS "updateSha256", c.update_size AS "updateSize",
  c.priority, c.status, c.target, c.start_at AS "startAt", c.expires_at AS "expiresAt",
  c.current_wave AS "currentWave", c.paused_reason AS "pausedReason",
  c.ended_reason AS "endedReason", c.created_by AS "createdBy",
  c.created_at AS "createdAt", c.completed_at AS "completedAt", ${OPTION_COLUMNS},
  (SELECT min(w.index) FROM campaign_waves w
   WHERE w.campaign_id = c.id AND w.state = 'awaiting_approval') AS "awaitingApproval"`;

export interface CampaignRow extends OptionColumns {
  id: string;
  name: string;
  updateId: string;
  updateVersion: string;
  updateUrl: string;
  updateSha256: string;
  updateSize: number;
  priority: number;
  status: Campaign['status'];
  target: CampaignTarget;
  startAt: Date;
  expiresAt: Date;
  currentWave: number;
  pausedReason: string | null;
  endedReason: string | null;
  createdBy: string;
  createdAt: Date;
  completedAt: Date | null;
  awaitingApproval: number | null;
}

export function zeroCounts(): DeliveryCounts {
  return Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as DeliveryCounts;
}

export function sumCounts(counts: DeliveryCounts): number {
  return DELIVERY_STATES.reduce((n, s) => n + counts[s], 0);
}

/** Deliveries whose vehicle answered, and the silent ones (docs/decisions/0345). */
export function reachCounts(counts: DeliveryCounts): { reached: number; notReached: number } {
  const sum = (states: readonly (keyof DeliveryCounts)[]) =>
    states.reduce((n, s) => n + counts[s], 0);
  return {
    reached: sum(REACHED_DELIVERY_STATES),
    notReached: sum(NOT_REACHED_DELIVERY_STATES),
  };
}

export function toCampaign(row: CampaignRow, counts: DeliveryCounts): Campaign {
  return {
    id: row.id,
    name: row.name,
    update: {
      id: row.updateId,
      version: row.updateVersion,
      url: row.updateUrl,
      sha256: row.updateSha256,
      size: Number(row.updateSize),
    },
    target: row.target,
    priority: row.priority,
    status: row.status,
    startAt: row.startAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    currentWave: row.currentWave,
    pausedReason: row.pausedReason,
    endedReason: row.endedReason,
    options: toSettings(row),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    completedAt: row.completedAt ? row.completedAt.toISOString() : null,
    total: sumCounts(counts),
    counts,
    ...reachCounts(counts),
    awaitingApproval: row.awaitingApproval,
  };
}
