import fp from 'fastify-plugin';
import type { ApiRoleName } from '@roadcast/contracts';
import { ApiError } from '../errors.js';
import { ApiKeys, hasRole, type Principal } from '../services/api-keys.js';

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

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/;

/**
 * `Authorization: Bearer <api key>` on every route that names a minimum role. Every /v1
 * route must name one, checked when routes are registered, so none is public by mistake.
 */
export default fp<{ adminApiKey?: string }>(
  async (app, options) => {
    app.decorate('apiKeys', new ApiKeys(app.deps.db.pool));
    if (options.adminApiKey) await app.apiKeys.bootstrap(options.adminApiKey);
    app.decorateRequest('principal', undefined);
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/v1/') && !route.config?.minRole) {
        throw new Error(`route ${route.method} ${route.url} names no minimum role`);
      }
    });
    app.addHook('onRequest', async (request) => {
      const minRole = request.routeOptions.config.minRole;
      if (!minRole) return;
      const match = BEARER.exec(request.headers.authorization ?? '');
      if (!match)
        throw new ApiError(
          'ROADCAST_ERR_UNAUTHORIZED',
          'an API key is required (Authorization: Bearer <key>)',
        );
      const principal = await app.apiKeys.authenticate(match[1]!);
      if (!principal) throw new ApiError('ROADCAST_ERR_UNAUTHORIZED', 'the API key is not valid');
      request.principal = principal;
      if (!hasRole(principal.role, minRole)) {
        throw new ApiError('ROADCAST_ERR_FORBIDDEN', `this needs the ${minRole} role`);
      }
    });
  },
  { name: 'roadcast-auth', dependencies: ['roadcast-deps', 'roadcast-error-handler'] },
);
