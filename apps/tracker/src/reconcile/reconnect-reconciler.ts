import type pg from 'pg';
import type { PipelineQueues } from '@roadcast/queue';
import type { Logger } from '@roadcast/observability';
import type { TrackerMetrics } from '../tracker-metrics.js';
import type { PresenceEvent } from './presence-follower.js';
import { republish } from './republisher.js';
import { findUnacknowledged } from './unacknowledged-deliveries.js';

/**
 * On every connect, re-sends what the vehicle has not acknowledged to the broker it is on
 * now: a vehicle that failed over to another broker, or was moved to another pool, gets
 * what its old session held; one whose broker lost its session gets it again. The vehicle
 * de-duplicates by notice id. Every event also records when the vehicle was last seen.
 */
export function createReconnectReconciler(deps: {
  pool: pg.Pool;
  queues: PipelineQueues;
  metrics: TrackerMetrics;
  logger: Logger;
}): (events: PresenceEvent[]) => Promise<void> {
  return async (events) => {
    const seen = [...new Set(events.map((e) => e.vehicleId))];
    await deps.pool.query(
      `UPDATE vehicles SET last_seen_at = now()
       WHERE id IN (SELECT id FROM unnest($1::text[]) AS t(id) ORDER BY id)`,
      [seen],
    );
    const connected = [
      ...new Set(events.filter((e) => e.type === 'connect').map((e) => e.vehicleId)),
    ];
    const due = await findUnacknowledged(deps.pool, connected);
    if (due.length === 0) return;
    await republish(deps.queues, deps.metrics, due, 'reconnect');
    deps.logger.debug(
      { vehicles: connected.length, deliveries: due.length },
      're-sent unacknowledged notices on reconnect',
    );
  };
}
