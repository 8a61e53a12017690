import fp from 'fastify-plugin';
import { ApiError } from '../errors.js';

/**
 * A fixed one-second window per API key, counted in Redis so every API instance shares it.
 * Over the limit the answer is 429 with Retry-After; unauthenticated routes are not counted.
 */
export default fp<{ perSecond: number }>(
  async (app, options) => {
    const { redis, prefix } = app.deps;
    app.addHook('onRequest', async (request, reply) => {
      const principal = request.principal;
      if (!principal) return;
      const second = Math.floor(Date.now() / 1000);
      const key = `${prefix}:ratelimit:${principal.keyId}:${second}`;
      const result = await redis.multi().incr(key).expire(key, 2).exec();
      const count = Number(result?.[0]?.[1] ?? 0);
      reply.header('x-ratelimit-limit', options.perSecond);
      reply.header('x-ratelimit-remaining', Math.max(0, options.perSecond - count));
      if (count > options.perSecond) {
        reply.header('retry-after', 1);
        throw new ApiError(
          'ROADCAST_ERR_RATE_LIMITED',
          `more than ${options.perSecond} requests per second`,
        );
      }
    });
  },
  { name: 'roadcast-rate-limit', dependencies: ['roadcast-auth'] },
);
