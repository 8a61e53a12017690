import type pg from 'pg';
import type { PipelineQueues } from '@roadcast/queue';
import type { Logger } from '@roadcast/observability';
import type { TrackerMetrics } from '../tracker-metrics.js';
import type { PresenceEvent } from './presence-follower.js';
import type { ResendPacer } from './resend-pacer.js';
import { republish } from './republisher.js';
import { findUnacknowledged } from './unacknowledged-deliveries.js';

/**
 * On every connect, re-sends what the vehicle has not acknowledged to the broker it is on
 * now: a vehicle that failed over to another broker, or was moved to another pool, gets
 * what its old session held; one whose broker lost its session gets it again. What the
 * broker still holds in a resumed session is not sent twice (a fleet back from a tunnel
 * would otherwise get every notice twice, and the bridge would sign each again). The
 * vehicle de-duplicates by notice id anyway. Every event also records when the vehicle was
 * last seen.
 */
export function createReconnectReconciler(deps: {
  pool: pg.Pool;
  queues: PipelineQueues;
  metrics: TrackerMetrics;
  logger: Logger;
  /** Paces re-sends per broker when many vehicles come back at once (docs/decisions/0349). */
  pacer?: ResendPacer;
}): (events: PresenceEvent[]) => Promise<void> {
  return async (events) => {
    const seen = [...new Set(events.map((e) => e.vehicleId))];
    await deps.pool.query(
      `UPDATE vehicles SET last_seen_at = now()
       WHERE id IN (SELECT id FROM unnest($1::text[]) AS t(id) ORDER BY id)`,
      [seen],
    );
    // The last event of each vehicle in the batch says where it is now.
    const latest = new Map<string, PresenceEvent>();
    for (const e of events) latest.set(e.vehicleId, e);
    const connected: string[] = [];
    const brokerOf = new Map<string, string>();
    const sessionsHeld = new Map<string, string>();
    for (const e of latest.values()) {
      if (e.type !== 'connect') continue;
      connected.push(e.vehicleId);
      if (e.brokerId) brokerOf.set(e.vehicleId, e.brokerId);
      if (e.sessionPresent && e.brokerId) sessionsHeld.set(e.vehicleId, e.brokerId);
    }
    const due = await findUnacknowledged(deps.pool, connected, sessionsHeld);
    if (due.length === 0) return;
    for (const d of due) {
      const brokerId = brokerOf.get(d.vehicleId);
      if (brokerId) d.brokerId = brokerId;
    }
    await republish(deps.queues, deps.metrics, due, 'reconnect', deps.pacer);
    deps.logger.debug(
      { vehicles: connected.length, deliveries: due.length },
      're-sent unacknowledged notices on reconnect',
    );
  };
}
