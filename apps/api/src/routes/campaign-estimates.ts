import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CompletionEstimate, Uuid } from '@roadcast/contracts';
import { readCompletionEstimate } from '@roadcast/campaigns';
import { ApiError, errorResponses } from '../errors.js';

/** Predicted completion of a campaign, as the tracker last computed it (docs/decisions/0354). */
const campaignEstimateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/campaigns/:id/estimate',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['campaigns'],
        summary: 'When a campaign is predicted to reach its success threshold and to complete',
        description:
          "Per wave and for the campaign (its last wave's threshold; the end of its last " +
          'delivery), with the method and the observations it used (basis). Times are null ' +
          'with a reason when they cannot be predicted: not started, paused, nothing observed ' +
          'yet, or a threshold the observed install share does not reach.',
        params: Type.Object({ id: Uuid() }),
        response: { 200: CompletionEstimate, ...errorResponses(404) },
      },
    },
    async (request) => {
      const estimate = await readCompletionEstimate(app.deps.db.pool, request.params.id);
      if (!estimate) throw new ApiError('ROADCAST_ERR_CAMPAIGN_NOT_FOUND', 'campaign not found');
      return estimate;
    },
  );
};

export default campaignEstimateRoutes;
