import { chunk, enqueueRepublish, type PipelineQueues } from '@roadcast/queue';
import type { TrackerMetrics } from '../tracker-metrics.js';
import type { ResendPacer, ResendSlot } from './resend-pacer.js';
import type { UnacknowledgedDelivery } from './unacknowledged-deliveries.js';

const JOB_SIZE = 1_000;

/**
 * Hands deliveries to the bridge to send again (same notice ids), one job per priority and
 * up to a thousand deliveries, so a reconnect storm becomes a few hundred jobs, not thousands.
 * With a pacer, each broker's re-sends are spread over time as its shared bucket allows
 * (docs/decisions/0349); the jobs wait, delayed, in the queue.
 */
export async function republish(
  queues: PipelineQueues,
  metrics: TrackerMetrics,
  deliveries: readonly UnacknowledgedDelivery[],
  reason: 'reconnect' | 'retry',
  pacer?: ResendPacer,
): Promise<void> {
  const slots: ResendSlot[] = pacer
    ? await pacer.schedule(deliveries)
    : [{ delayMs: 0, deliveries: [...deliveries] }];
  for (const slot of slots) {
    const byPriority = new Map<number, number[]>();
    for (const d of slot.deliveries) {
      const ids = byPriority.get(d.priority);
      if (ids) ids.push(d.id);
      else byPriority.set(d.priority, [d.id]);
    }
    for (const [priority, ids] of byPriority) {
      for (const deliveryIds of chunk(ids, JOB_SIZE)) {
        await enqueueRepublish(queues, { deliveryIds, reason }, priority, slot.delayMs);
      }
    }
  }
  metrics.republished.inc({ reason }, deliveries.length);
}
