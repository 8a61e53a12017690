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
  RetryRequest,
  RetryResult,
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
  retryCampaign,
} from '@roadcast/campaigns';
import { ApiError, errorResponses } from '../errors.js';
import { unavailableDependency } from '../services/dependency-errors.js';
import { DeferredStarts } from '../services/deferred-starts.js';

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

/**
 * Campaigns: create (materializing every delivery), read progress, pause, resume, cancel,
 * retry.
 *
 * Creating, resuming and cancelling end by enqueueing jobs in Redis after Postgres has
 * committed, so they first check that Redis answers: during an outage they are 503 and
 * nothing is stored. Should Redis go away between the commit and the enqueue, a created or
 * resumed campaign is held paused (DeferredStarts) and answered as it is stored; it starts by
 * itself once Redis is back.
 */
const campaignRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { pipeline, health } = app.deps;
  const deferred = new DeferredStarts({ pipeline, health, logger: app.deps.logger });
  app.addHook('onClose', () => deferred.close());

  /**
   * Runs a campaign change whose last step enqueues. When Redis went away after the commit,
   * the stored campaign is held paused and its id comes back instead.
   */
  const startingCampaign = async <T>(
    change: () => Promise<T>,
    committed: () => Promise<string | undefined>,
  ): Promise<{ done: T } | { deferred: string }> => {
    try {
      return { done: await change() };
    } catch (err) {
      if (unavailableDependency(err) !== 'redis') throw err;
      const campaignId = await committed();
      if (!campaignId || !(await deferred.defer(campaignId))) throw err;
      return { deferred: campaignId };
    }
  };

  const detailOr404 = async (id: string) => {
    const detail = await getCampaignDetail(app.deps.db.pool, id);
    if (!detail) throw new ApiError('ROADCAST_ERR_CAMPAIGN_NOT_FOUND', 'campaign not found');
    return detail;
  };

  /** The campaign this request stored, if it got as far as the commit. */
  const createdByRequest = async (createdBy: string, requestId: string) => {
    const { rows } = await pipeline.pool.query<{ id: string }>(
      `SELECT id FROM campaigns WHERE created_by = $1 AND request_id = $2
         AND created_at > now() - interval '1 hour'
       ORDER BY created_at DESC LIMIT 1`,
      [createdBy, requestId],
    );
    return rows[0]?.id;
  };

  app.post(
    '/v1/campaigns',
    {
      config: { minRole: 'operator', requires: ['redis'] },
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
      const createdBy = `key:${principal.keyId}`;
      const requestId = String(request.id);
      const outcome = await startingCampaign(
        () =>
          createCampaign(pipeline, request.body, {
            createdBy,
            requestId,
            ...(idempotencyKey ? { idempotencyKey } : {}),
          }),
        () => createdByRequest(createdBy, requestId),
      );
      const { campaign, replayed } =
        'done' in outcome
          ? outcome.done
          : { campaign: await detailOr404(outcome.deferred), replayed: false };
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
      const detail = await app.campaignReads.get(request.params.id, () =>
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
        // Pausing needs Postgres only; resuming and cancelling end by enqueueing.
        config: { minRole: 'operator', ...(action === 'pause' ? {} : { requires: ['redis'] }) },
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
          await startingCampaign(
            () => resumeCampaign(pipeline, id),
            async () => id,
          );
        } else {
          details = {
            ...(await cancelCampaign(pipeline, id, `cancelled by ${request.principal!.name}`)),
          };
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

  app.post(
    '/v1/campaigns/:id/retry',
    {
      // Ends by enqueueing the new attempts' fan-out.
      config: { minRole: 'operator', requires: ['redis'] },
      // Every field is optional, and so is a body carrying them.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: {
        tags,
        summary: 'Retry failed and timed-out deliveries as new attempts',
        description:
          'Deliveries in the given states (failed and timed_out by default; rejected on request) ' +
          'start a new attempt with a new notice id, so late reports about the old notice are ' +
          'ignored, and are fanned out again. A running or paused campaign may be retried (a ' +
          'paused one sends the new attempts when it resumes), and a completed one before its ' +
          'expiry, which makes it run again. 409 for a scheduled, cancelled or expired campaign; ' +
          '422 for a wave it does not have.',
        params: IdParams,
        body: RetryRequest,
        response: { 200: RetryResult, ...errorResponses(404, 409, 422) },
      },
    },
    async (request) => {
      const id = request.params.id;
      const principal = request.principal!;
      const { retried } = await retryCampaign(
        pipeline,
        id,
        request.body,
        `${principal.name} (${principal.keyId})`,
      );
      await request.audit({
        action: 'campaign.retry',
        targetType: 'campaign',
        targetId: id,
        details: { ...request.body, retried },
      });
      request.log.info({ campaignId: id, retried }, 'campaign deliveries retried');
      return { retried, campaign: await detailOr404(id) };
    },
  );
};

export default campaignRoutes;
