import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { CampaignDetail } from '@roadcast/contracts';
import type { ApiDeps, ApiOptions } from './api-deps.js';
import auditPlugin from './plugins/audit.js';
import authPlugin from './plugins/auth.js';
import dashboardPlugin from './plugins/dashboard.js';
import depsPlugin from './plugins/deps.js';
import errorHandlerPlugin from './plugins/error-handler.js';
import healthPlugin from './plugins/health.js';
import openapiPlugin from './plugins/openapi.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import requestMetricsPlugin from './plugins/request-metrics.js';
import securityHeadersPlugin from './plugins/security-headers.js';
import apiKeyRoutes from './routes/api-keys.js';
import auditRoutes from './routes/audit.js';
import campaignEstimateRoutes from './routes/campaign-estimates.js';
import campaignRoutes from './routes/campaigns.js';
import edgePoolRoutes from './routes/edge-pools.js';
import regionRoutes from './routes/regions.js';
import eventRoutes from './routes/events.js';
import inventoryRoutes from './routes/inventory.js';
import routerPolicyRoutes from './routes/router-policy.js';
import signingKeyRoutes from './routes/signing-keys.js';
import vehicleRoutes from './routes/vehicles.js';
import waveApprovalRoutes from './routes/wave-approvals.js';
import { EventFanout } from './services/event-fanout.js';
import { StatusCache } from './services/status-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The process's one reader of the event stream, fanned out to every SSE client. */
    eventFanout: EventFanout;
    /** Campaign details that dashboards poll, shared for a moment (status-cache.ts). */
    campaignReads: StatusCache<CampaignDetail | undefined>;
  }
}

/** How long one campaign detail read serves every poller of that campaign. */
const CAMPAIGN_READ_TTL_MS = 250;
/**
 * Busy pollers get the previous answer while its refresh is on its way, up to this age; a
 * poller that comes back later than this waits for a fresh read, as with no cache.
 */
const CAMPAIGN_READ_MAX_STALE_MS = 1_000;

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The API as a tree of plugins. Tests call this and use `app.inject`; main.ts listens.
 * A caller-supplied X-Request-Id is kept when it looks like one, else a UUID is made.
 */
export async function buildApp(deps: ApiDeps, options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    // request.ip is the client's address only behind proxies named here (rate limits use it).
    trustProxy: options.trustedProxies.length > 0 ? options.trustedProxies : false,
    bodyLimit: 1024 * 1024,
    maxParamLength: 200,
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', String(request.id));
  });
  // A change to a campaign answers only after this process forgot its shared read of it, so
  // whoever made the change reads it back at once (every mutating route is under its id).
  const campaignReads = new StatusCache<CampaignDetail | undefined>(CAMPAIGN_READ_TTL_MS, {
    maxStaleMs: CAMPAIGN_READ_MAX_STALE_MS,
  });
  app.decorate('campaignReads', campaignReads);
  app.addHook('onSend', async (request) => {
    if (request.method === 'GET' || !request.routeOptions.url?.startsWith('/v1/campaigns/:id'))
      return;
    const { id } = request.params as { id?: string };
    if (id) campaignReads.delete(id);
  });
  await app.register(depsPlugin, { deps });
  await app.register(securityHeadersPlugin);
  await app.register(errorHandlerPlugin);
  await app.register(openapiPlugin);
  await app.register(authPlugin, {
    unauthenticatedPerSecond: options.unauthenticatedPerSecond,
    ...(options.adminApiKey ? { adminApiKey: options.adminApiKey } : {}),
  });
  await app.register(rateLimitPlugin, {
    perSecond: options.rateLimitPerSecond,
    syncMs: options.rateLimitSyncMs,
  });
  await app.register(auditPlugin);
  await app.register(requestMetricsPlugin);
  await app.register(healthPlugin);
  await app.register(campaignRoutes);
  await app.register(waveApprovalRoutes);
  await app.register(vehicleRoutes, { bulkBodyLimitBytes: options.bulkBodyLimitBytes });
  await app.register(edgePoolRoutes);
  await app.register(regionRoutes);
  await app.register(routerPolicyRoutes);
  await app.register(apiKeyRoutes);
  await app.register(signingKeyRoutes);
  await app.register(campaignEstimateRoutes);
  await app.register(auditRoutes);
  await app.register(inventoryRoutes);
  const fanout = new EventFanout({
    redis: deps.redis,
    prefix: deps.prefix,
    logger: deps.logger,
    registry: deps.registry,
    heartbeatMs: options.eventsHeartbeatMs,
    maxStreams: options.eventsMaxStreams,
    maxStreamsPerKey: options.eventsMaxStreamsPerKey,
    bufferBytes: options.eventsStreamBufferBytes,
  });
  app.decorate('eventFanout', fanout);
  app.addHook('preClose', () => fanout.close());
  await app.register(eventRoutes, { fanout });
  await app.register(dashboardPlugin);
  await app.ready();
  return app;
}
