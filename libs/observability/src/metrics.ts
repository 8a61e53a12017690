import { Registry, collectDefaultMetrics } from 'prom-client';

/** Every Roadcast metric name starts with this. */
export const METRIC_PREFIX = 'roadcast_';

/** A registry with process metrics, labelled with the service that owns it. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}
