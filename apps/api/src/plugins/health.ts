import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';
import type { Dependency } from '../services/dependency-errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Dependencies a route's change needs to the end (e.g. an enqueue after the commit):
     * each is probed before the handler runs, and one that does not answer makes the answer
     * 503 before anything is stored.
     */
    requires?: Dependency[];
  }
}

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
  checks: Type.Record(Type.String(), Type.String()),
});

/** Liveness, readiness (Postgres and Redis answer), Prometheus metrics and route prechecks. */
export default fp(
  async (app) => {
    const health = app.deps.health;
    app.addHook('preHandler', async (request) => {
      for (const dependency of request.routeOptions.config.requires ?? []) {
        await health.require(dependency);
      }
    });
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['operations'],
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      { schema: { tags: ['operations'], response: { 200: Readiness, 503: Readiness } } },
      async (_request, reply) => {
        const checks = await health.check();
        const ready = Object.values(checks).every((c) => c === 'ok');
        if (!ready) reply.header('retry-after', health.retryAfterSeconds);
        return reply
          .status(ready ? 200 : 503)
          .send({ status: ready ? 'ready' : 'not ready', checks });
      },
    );
    app.get(
      '/metrics',
      { schema: { tags: ['operations'], response: { 200: Type.String() } } },
      async (_request, reply) => {
        reply.type(app.deps.registry.contentType);
        return app.deps.registry.metrics();
      },
    );
  },
  { name: 'roadcast-health', dependencies: ['roadcast-deps'] },
);
