import { chunk, enqueueRepublish, type PipelineQueues } from '@roadcast/queue';
import type { TrackerMetrics } from '../tracker-metrics.js';
import type { UnacknowledgedDelivery } from './unacknowledged-deliveries.js';

const JOB_SIZE = 1_000;

/**
 * Hands deliveries to the bridge to send again (same notice ids), one job per priority and
 * up to a thousand deliveries, so a reconnect storm becomes a few hundred jobs, not thousands.
 */
export async function republish(
  queues: PipelineQueues,
  metrics: TrackerMetrics,
  deliveries: readonly UnacknowledgedDelivery[],
  reason: 'reconnect' | 'retry',
): Promise<void> {
  const byPriority = new Map<number, number[]>();
  for (const d of deliveries) {
    const ids = byPriority.get(d.priority) ?? [];
    ids.push(d.id);
    byPriority.set(d.priority, ids);
  }
  for (const [priority, ids] of byPriority) {
    for (const deliveryIds of chunk(ids, JOB_SIZE)) {
      await enqueueRepublish(queues, { deliveryIds, reason }, priority);
    }
  }
  metrics.republished.inc({ reason }, deliveries.length);
}
