import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CampaignDetail, Uuid, WaveApprovalRequest } from '@roadcast/contracts';
import { approveWaitingWave, getCampaignDetail } from '@roadcast/campaigns';
import { ApiError, errorResponses } from '../errors.js';

const WaveParams = Type.Object({
  id: Uuid(),
  index: Type.Integer({ minimum: 0, maximum: 19, description: 'The wave (0-based index)' }),
});

/**
 * Approval gates (docs/decisions/0344): a wave that requires approval waits in
 * awaiting_approval once the rollout reaches it; an operator's approval starts it at once.
 */
const waveApprovalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { pipeline } = app.deps;

  app.post(
    '/v1/campaigns/:id/waves/:index/approve',
    {
      // The approved wave's deliveries are enqueued for fan-out.
      config: { minRole: 'operator', requires: ['redis'] },
      // The comment is optional, and so is a body carrying it.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: {
        tags: ['campaigns'],
        summary: 'Approve a wave that awaits approval; it starts at once',
        description:
          'Records who approved the wave and when, and starts it. 404 for an unknown campaign ' +
          '(ROADCAST_ERR_CAMPAIGN_NOT_FOUND) or wave (ROADCAST_ERR_WAVE_NOT_FOUND); 409 for a wave ' +
          'that is not awaiting approval (ROADCAST_ERR_WAVE_STATE) or a campaign that is not ' +
          'running (ROADCAST_ERR_CAMPAIGN_STATE: resume it first).',
        params: WaveParams,
        body: WaveApprovalRequest,
        response: { 200: CampaignDetail, ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const { id, index } = request.params;
      const principal = request.principal!;
      const comment = request.body.comment;
      await approveWaitingWave(pipeline, id, index, `${principal.name} (${principal.keyId})`);
      await request.audit({
        action: 'campaign.wave.approve',
        targetType: 'campaign',
        targetId: id,
        details: { wave: index, ...(comment ? { comment } : {}) },
      });
      request.log.info({ campaignId: id, wave: index }, 'wave approved');
      const detail = await getCampaignDetail(app.deps.db.pool, id);
      if (!detail) throw new ApiError('ROADCAST_ERR_CAMPAIGN_NOT_FOUND', 'campaign not found');
      return detail;
    },
  );
};

export default waveApprovalRoutes;
