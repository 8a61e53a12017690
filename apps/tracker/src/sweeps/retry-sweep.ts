import type pg from 'pg';
import { noteResend, sqlList } from '@roadcast/campaigns';
import { DELIVERY_OPERATIONS } from '@roadcast/contracts';
import type { PresenceStore } from '@roadcast/routing';
import type { PipelineQueues } from '@roadcast/queue';
import type { TrackerMetrics } from '../tracker-metrics.js';
import type { ResendPacer } from '../reconcile/resend-pacer.js';
import { republish } from '../reconcile/republisher.js';
import type { UnacknowledgedDelivery } from '../reconcile/unacknowledged-deliveries.js';

export interface RetrySweepOptions {
  pool: pg.Pool;
  presence: PresenceStore;
  queues: PipelineQueues;
  metrics: TrackerMetrics;
  /** First re-send after this long; each further one waits twice as long. */
  delayMs: number;
  /** Publishes of an attempt (counted by the bridge) after which the timer gives up; reconnects still re-send. */
  maxAttempts: number;
  limit?: number;
  /** Paces re-sends per broker, shared with reconnects (docs/decisions/0349). */
  pacer?: ResendPacer;
}

/** Notices sent and not acknowledged: what the re-send timer may send again. */
const RESENDABLE = sqlList(DELIVERY_OPERATIONS.noteResend.from);

/**
 * Re-sends notices that a connected vehicle has not acknowledged after the delay (a message
 * lost with a broker's session, a vehicle that restarted mid-delivery). Offline vehicles are
 * left alone: their reconnect triggers the re-send. The bridge counts every publish of the
 * current attempt in `publishes`; the delay doubles with each and stops at the maximum. The
 * candidates are read here; noting the re-send (`noteResend`, which touches `updated_at` so
 * the next pass does not pick them before the bridge has sent them) is a lifecycle operation.
 */
export async function retryUnacknowledged(options: RetrySweepOptions): Promise<number> {
  const { rows: candidates } = await options.pool.query<UnacknowledgedDelivery>(
    `SELECT d.id, d.vehicle_id AS "vehicleId", d.campaign_id AS "campaignId", c.priority
     FROM campaigns c JOIN deliveries d ON d.campaign_id = c.id
     WHERE c.status = 'running' AND c.expires_at > now()
       AND d.state IN ${RESENDABLE} AND d.wave <= c.current_wave
       AND d.publishes < $2
       AND d.updated_at < now() - make_interval(secs => $1::double precision * power(2, LEAST(d.publishes, 16)) / 1000)
     ORDER BY d.id
     LIMIT $3`,
    [options.delayMs, options.maxAttempts, options.limit ?? 5_000],
  );
  if (candidates.length === 0) return 0;
  const online = await options.presence.brokersOf(candidates.map((c) => c.vehicleId));
  const connected = candidates.filter((c) => online.has(c.vehicleId));
  if (connected.length === 0) return 0;
  // Only rows still unacknowledged are re-sent; an ack may have landed meanwhile.
  const still = new Set(
    await noteResend(
      options.pool,
      connected.map((c) => c.id),
    ),
  );
  const due = connected
    .filter((c) => still.has(c.id))
    .map((c) => ({ ...c, brokerId: online.get(c.vehicleId)! }));
  await republish(options.queues, options.metrics, due, 'retry', options.pacer);
  return due.length;
}
