import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
  checks: Type.Record(Type.String(), Type.String()),
});

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
    ]);
    return 'ok';
  } catch {
    return 'failing';
  }
}

/** Liveness, readiness (Postgres and Redis answer) and Prometheus metrics. */
export default fp(
  async (app) => {
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
        const checks = {
          database: await check(() => app.deps.db.pool.query('SELECT 1')),
          redis: await check(() => app.deps.redis.ping()),
        };
        const ready = Object.values(checks).every((c) => c === 'ok');
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
