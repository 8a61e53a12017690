import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  CampaignCreateRequest,
  CampaignDetail,
  CampaignList,
  CampaignListQuery,
  DeliveryList,
  DeliveryListQuery,
  PauseRequest,
  Uuid,
} from '@roadcast/contracts';
import {
  cancelCampaign,
  createCampaign,
  getCampaignDetail,
  listCampaigns,
  listDeliveries,
  pauseCampaign,
  resumeCampaign,
} from '@roadcast/campaigns';
import { ApiError, errorResponses } from '../errors.js';
import { StatusCache } from '../services/status-cache.js';

const IdParams = Type.Object({ id: Uuid() });
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[\\x21-\\x7E]+$',
      description: 'Makes a retried create return the same campaign',
    }),
  ),
});
const tags = ['campaigns'];

/** Campaigns: create (materializing every delivery), read progress, pause, resume, cancel. */
const campaignRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { pipeline } = app.deps;
  const statusCache = new StatusCache<CampaignDetail | undefined>(250);

  const detailOr404 = async (id: string) => {
    const detail = await getCampaignDetail(app.deps.db.pool, id);
    if (!detail) throw new ApiError('ROADCAST_ERR_CAMPAIGN_NOT_FOUND', 'campaign not found');
    return detail;
  };

  app.post(
    '/v1/campaigns',
    {
      config: { minRole: 'operator' },
      schema: {
        tags,
        summary: 'Create a campaign and materialize its deliveries',
        headers: IdempotencyHeaders,
        body: CampaignCreateRequest,
        response: { 201: CampaignDetail, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const idempotencyKey = request.headers['idempotency-key'];
      const { campaign, replayed } = await createCampaign(pipeline, request.body, {
        createdBy: `key:${principal.keyId}`,
        requestId: String(request.id),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      if (!replayed) {
        await request.audit({
          action: 'campaign.create',
          targetType: 'campaign',
          targetId: campaign.id,
          details: { name: campaign.name, total: campaign.total, update: campaign.update.id },
        });
      }
      request.log.info({ campaignId: campaign.id, replayed }, 'campaign create answered');
      if (replayed) reply.header('idempotent-replay', 'true');
      return reply.status(201).send(campaign);
    },
  );

  app.get(
    '/v1/campaigns',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'List campaigns, newest first',
        querystring: CampaignListQuery,
        response: { 200: CampaignList, ...errorResponses() },
      },
    },
    async (request) => listCampaigns(app.deps.db.pool, request.query),
  );

  app.get(
    '/v1/campaigns/:id',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'A campaign with counts by delivery state and per-wave progress',
        params: IdParams,
        response: { 200: CampaignDetail, ...errorResponses(404) },
      },
    },
    async (request) => {
      const detail = await statusCache.get(request.params.id, () =>
        getCampaignDetail(app.deps.db.pool, request.params.id),
      );
      if (!detail) throw new ApiError('ROADCAST_ERR_CAMPAIGN_NOT_FOUND', 'campaign not found');
      return detail;
    },
  );

  app.get(
    '/v1/campaigns/:id/deliveries',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: "A campaign's deliveries, optionally in one state",
        params: IdParams,
        querystring: DeliveryListQuery,
        response: { 200: DeliveryList, ...errorResponses(404) },
      },
    },
    async (request) => listDeliveries(app.deps.db.pool, request.params.id, request.query),
  );

  const control = (action: 'pause' | 'resume' | 'cancel', summary: string) =>
    app.post(
      `/v1/campaigns/:id/${action}`,
      {
        config: { minRole: 'operator' },
        // The pause reason is optional, and so is a body carrying it.
        preValidation: async (request) => {
          if (action === 'pause' && request.body === undefined) request.body = {};
        },
        schema: {
          tags,
          summary,
          params: IdParams,
          ...(action === 'pause' ? { body: PauseRequest } : {}),
          response: { 200: CampaignDetail, ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const id = request.params.id;
        let details: Record<string, unknown> = {};
        if (action === 'pause') {
          const reason =
            (request.body as PauseRequest | undefined)?.reason ??
            `paused by ${request.principal!.name}`;
          await pauseCampaign(pipeline, id, reason);
          details = { reason };
        } else if (action === 'resume') {
          await resumeCampaign(pipeline, id);
        } else {
          details = await cancelCampaign(pipeline, id);
        }
        await request.audit({
          action: `campaign.${action}`,
          targetType: 'campaign',
          targetId: id,
          details,
        });
        request.log.info({ campaignId: id, action }, 'campaign control');
        return detailOr404(id);
      },
    );
  control('pause', 'Pause publishing; pending deliveries wait');
  control('resume', 'Resume a paused campaign');
  control('cancel', 'Cancel; vehicles that were told get a cancel notice');
};

export default campaignRoutes;
