import type pg from 'pg';
import {
  FAILURE_DELIVERY_STATES,
  OPEN_DELIVERY_STATES,
  REACHED_DELIVERY_STATES,
  SUCCESS_DELIVERY_STATES,
} from '@roadcast/contracts';
import { sqlList } from '../transitions/state-sql.js';
import type { CampaignProgress, WaveProgress } from './decide-rollout.js';

const LOAD_SQL = `
SELECT c.id, c.current_wave AS "currentWave", c.materialized_at IS NULL AS materializing,
       c.on_failure_threshold AS "onFailureThreshold", c.threshold_basis::text AS "thresholdBasis",
       c.dynamic, w.index, w.state::text AS state, w.size, w.requires_approval AS "requiresApproval",
       w.success_threshold AS "successThreshold", w.failure_threshold AS "failureThreshold",
       COALESCE(sum(k.count) FILTER (WHERE k.state IN ${sqlList(SUCCESS_DELIVERY_STATES)}), 0)::bigint AS installed,
       COALESCE(sum(k.count) FILTER (WHERE k.state IN ${sqlList(FAILURE_DELIVERY_STATES)}), 0)::bigint AS failures,
       COALESCE(sum(k.count) FILTER (WHERE k.state IN ${sqlList(OPEN_DELIVERY_STATES)}), 0)::bigint AS unfinished,
       COALESCE(sum(k.count) FILTER (WHERE k.state IN ${sqlList(REACHED_DELIVERY_STATES)}), 0)::bigint AS reached
FROM campaigns c
JOIN campaign_waves w ON w.campaign_id = c.id
LEFT JOIN campaign_counters k ON k.campaign_id = c.id AND k.wave = w.index
WHERE c.status = 'running'
GROUP BY c.id, c.current_wave, c.materialized_at, c.on_failure_threshold, c.threshold_basis,
         c.dynamic, w.index, w.state, w.size, w.requires_approval, w.success_threshold,
         w.failure_threshold
ORDER BY c.id, w.index`;

/** Running campaigns with their waves and exact per-wave counts, from the counters. */
export async function loadRunningCampaigns(pool: pg.Pool): Promise<CampaignProgress[]> {
  const { rows } = await pool.query<
    Omit<WaveProgress, 'installed' | 'failures' | 'unfinished' | 'reached'> & {
      id: string;
      currentWave: number;
      materializing: boolean;
      onFailureThreshold: 'pause' | 'cancel';
      thresholdBasis: 'target' | 'reached';
      dynamic: boolean;
      installed: number;
      reached: number;
      failures: number;
      unfinished: number;
    }
  >(LOAD_SQL);
  const campaigns = new Map<string, CampaignProgress>();
  for (const r of rows) {
    const c = campaigns.get(r.id) ?? {
      id: r.id,
      currentWave: r.currentWave,
      waves: [],
      materializing: r.materializing,
      onFailureThreshold: r.onFailureThreshold,
      thresholdBasis: r.thresholdBasis,
      dynamic: r.dynamic,
    };
    c.waves.push({
      index: r.index,
      state: r.state,
      size: Number(r.size),
      successThreshold: Number(r.successThreshold),
      failureThreshold: Number(r.failureThreshold),
      installed: Number(r.installed),
      failures: Number(r.failures),
      unfinished: Number(r.unfinished),
      reached: Number(r.reached),
      requiresApproval: r.requiresApproval,
    });
    campaigns.set(r.id, c);
  }
  return [...campaigns.values()];
}
