import fp from 'fastify-plugin';
import { ApiError } from '../errors.js';
import { ClusterRateShare } from '../services/cluster-rate-share.js';
import { KeyedTokenBuckets } from '../services/keyed-token-buckets.js';

export interface RateLimitOptions {
  perSecond: number;
  /** How often instances share counts in Redis; 0 keeps every instance on its own. */
  syncMs: number;
}

/** API keys whose buckets are kept at once; only authenticated keys get one. */
const MAX_KEYS = 10_000;

/**
 * A token bucket per API key in process memory: no round trip per request. API instances
 * split each key's limit by their share of its demand, exchanged through Redis once per
 * interval; without Redis each instance applies the whole limit on its own. Over the limit
 * the answer is 429 with Retry-After. Requests without a valid key are limited per client
 * address by the auth plugin.
 */
export default fp<RateLimitOptions>(
  async (app, options) => {
    const buckets = new KeyedTokenBuckets(MAX_KEYS);
    const share =
      options.syncMs > 0
        ? new ClusterRateShare({
            redis: app.deps.redis,
            prefix: app.deps.prefix,
            perSecond: options.perSecond,
            intervalMs: options.syncMs,
            logger: app.deps.logger,
          })
        : undefined;
    share?.start();
    app.addHook('onClose', async () => share?.close());
    const limit = String(options.perSecond);

    app.addHook('onRequest', async (request, reply) => {
      const principal = request.principal;
      if (!principal) return;
      share?.record(principal.keyId);
      const perSecond = options.perSecond * (share?.shareOf(principal.keyId) ?? 1);
      const taken = buckets.take(principal.keyId, perSecond);
      reply.header('x-ratelimit-limit', limit);
      reply.header('x-ratelimit-remaining', String(taken.remaining));
      if (!taken.allowed) {
        reply.header('retry-after', String(taken.retryAfterSeconds));
        throw new ApiError(
          'ROADCAST_ERR_RATE_LIMITED',
          `more than ${options.perSecond} requests per second`,
        );
      }
    });
  },
  { name: 'roadcast-rate-limit', dependencies: ['roadcast-auth'] },
);
