import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiRoleName } from '@roadcast/contracts';
import { ApiError } from '../errors.js';
import { ApiKeys, hashKey, hasRole, type Principal } from '../services/api-keys.js';
import { KeyedTokenBuckets } from '../services/keyed-token-buckets.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role that may call the route; routes without it are public. */
    minRole?: ApiRoleName;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    apiKeys: ApiKeys;
  }
}

export interface AuthOptions {
  adminApiKey?: string;
  /** Requests per second one client address may make without a key this process knows. */
  unauthenticatedPerSecond: number;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/;
/** Client addresses whose unauthenticated attempts are counted at once. */
const MAX_ADDRESSES = 10_000;

/**
 * `Authorization: Bearer <api key>` on every route that names a minimum role. Every /v1
 * route must name one, checked when routes are registered, so none is public by mistake.
 *
 * Requests that this process cannot authenticate from memory (no key, a key it refused or
 * has never seen) are limited per client address before any lookup: a spray of random keys
 * costs a bounded number of queries, while a key known to be valid is never held up by its
 * neighbours' failures.
 */
export default fp<AuthOptions>(
  async (app, options) => {
    app.decorate('apiKeys', new ApiKeys(app.deps.db.pool));
    if (options.adminApiKey) {
      const outcome = await app.apiKeys.bootstrap(options.adminApiKey);
      if (outcome === 'revoked') {
        app.log.warn('ADMIN_API_KEY was revoked and stays revoked; configure a new one');
      }
    }
    const addresses = new KeyedTokenBuckets(MAX_ADDRESSES);
    const admitUnauthenticated = (request: FastifyRequest, reply: FastifyReply) => {
      const taken = addresses.take(request.ip, options.unauthenticatedPerSecond);
      if (taken.allowed) return;
      reply.header('retry-after', taken.retryAfterSeconds);
      throw new ApiError(
        'ROADCAST_ERR_RATE_LIMITED',
        'too many requests without a valid API key from this address',
      );
    };

    app.decorateRequest('principal', undefined);
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/v1/') && !route.config?.minRole) {
        throw new Error(`route ${route.method} ${route.url} names no minimum role`);
      }
    });
    app.addHook('onRequest', async (request, reply) => {
      const minRole = request.routeOptions.config.minRole;
      if (!minRole) return;
      const match = BEARER.exec(request.headers.authorization ?? '');
      if (!match) {
        admitUnauthenticated(request, reply);
        throw new ApiError(
          'ROADCAST_ERR_UNAUTHORIZED',
          'an API key is required (Authorization: Bearer <key>)',
        );
      }
      const hash = hashKey(match[1]!);
      const known = app.apiKeys.recall(hash);
      let principal: Principal | undefined;
      if (known.state === 'valid') principal = known.principal;
      else {
        // A key that was valid is looked up again without counting against its address.
        if (known.state !== 'known') admitUnauthenticated(request, reply);
        if (known.state !== 'refused') principal = await app.apiKeys.lookup(hash);
      }
      if (!principal) throw new ApiError('ROADCAST_ERR_UNAUTHORIZED', 'the API key is not valid');
      request.principal = principal;
      if (!hasRole(principal.role, minRole)) {
        throw new ApiError('ROADCAST_ERR_FORBIDDEN', `this needs the ${minRole} role`);
      }
    });
  },
  { name: 'roadcast-auth', dependencies: ['roadcast-deps', 'roadcast-error-handler'] },
);
