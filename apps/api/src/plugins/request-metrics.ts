import fp from 'fastify-plugin';
import { Histogram } from 'prom-client';

/** Request duration by route pattern, method and status class, for the API's /metrics. */
export default fp(
  async (app) => {
    const duration = new Histogram({
      name: 'roadcast_api_request_duration_seconds',
      help: 'Time from request to response by route, method and status class',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [app.deps.registry],
    });
    app.addHook('onResponse', async (request, reply) => {
      duration.observe(
        {
          route: request.routeOptions.url ?? 'unmatched',
          method: request.method,
          status: `${Math.floor(reply.statusCode / 100)}xx`,
        },
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: 'roadcast-request-metrics', dependencies: ['roadcast-deps'] },
);
