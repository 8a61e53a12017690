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
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('not ready')]),
  checks: Type.Record(Type.String(), Type.String()),
});

/**
 * Liveness, readiness, Prometheus metrics and route prechecks. Readiness reports both
 * dependencies; only Postgres decides it: without Redis the API still serves most requests
 * (and answers the others 503), so it stays in its Service as `degraded`, while without the
 * database it could answer nothing else and is `not ready`.
 */
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
        const ready = checks.database === 'ok';
        if (!ready) reply.header('retry-after', health.retryAfterSeconds);
        const status = !ready ? 'not ready' : checks.redis === 'ok' ? 'ready' : 'degraded';
        return reply.status(ready ? 200 : 503).send({ status, checks });
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
