import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PipelineQueues } from '@roadcast/queue';
import type { BrokerLinks } from './broker-links.js';

export interface BridgeMetrics {
  notices: Counter<'type' | 'result'>;
  /** Publish to PUBACK, per edge broker. */
  puback: Histogram<'broker'>;
  /** Vehicles routed without Redis: `presence` unknown, pool from `postgres` or `rendezvous`. */
  routingFallbacks: Counter<'source'>;
}

const JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

/**
 * The bridge's own metrics. Broker circuit states, in-flight publishes and queue depths are
 * read when Prometheus scrapes, so they cost nothing between scrapes.
 */
export function createBridgeMetrics(
  registry: Registry,
  links: () => BrokerLinks | undefined,
  queues: () => PipelineQueues | undefined,
): BridgeMetrics {
  const notices = new Counter({
    name: 'roadcast_bridge_notices_total',
    help: 'Notices the bridge tried to publish, by notice type and outcome (published, parked, failed)',
    labelNames: ['type', 'result'] as const,
    registers: [registry],
  });
  const puback = new Histogram({
    name: 'roadcast_bridge_puback_seconds',
    help: 'Time from publishing a notice to its PUBACK from the edge broker',
    labelNames: ['broker'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'roadcast_bridge_broker_circuit_open',
    help: 'Whether the circuit to an edge broker is open (1) or closed (0)',
    labelNames: ['broker'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of links()?.states() ?? [])
        this.set({ broker: s.brokerId }, s.state === 'closed' ? 0 : 1);
    },
  });
  new Gauge({
    name: 'roadcast_bridge_inflight',
    help: 'Notices published to an edge broker and still awaiting their PUBACK',
    labelNames: ['broker'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of links()?.states() ?? []) this.set({ broker: s.brokerId }, s.inflight);
    },
  });
  new Gauge({
    name: 'roadcast_queue_jobs',
    help: 'Jobs in the pipeline queues by queue and state; waiting notices jobs are the fan-out backlog',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const q = queues();
      if (!q) return;
      this.reset();
      for (const queue of [q.notices, q.campaigns]) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
  const routingFallbacks = new Counter({
    name: 'roadcast_bridge_routing_fallbacks_total',
    help: 'Vehicles routed while Redis or Postgres was unavailable, by what answered instead',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  return { notices, puback, routingFallbacks };
}
