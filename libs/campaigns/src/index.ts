export { CAMPAIGN_ERRORS, CampaignError, type CampaignErrorCode } from './errors.js';
export {
  DEFAULT_CAMPAIGN_LIFETIME_MS,
  planCampaign,
  type CampaignPlan,
  type PlannedWave,
} from './campaign-plan.js';
export { targetCondition } from './target-sql.js';
export { materializeDeliveries, recordWaveSizes } from './materialize.js';
export {
  DEFAULT_CHUNK_SIZES,
  materializeCampaign,
  resumeMaterializations,
  type MaterializeHooks,
  type MaterializeResult,
} from './materialize-campaign.js';
export {
  createCampaign,
  DEFAULT_INLINE_LIMIT,
  type CreateMeta,
  type CreateResult,
} from './create-campaign.js';
export {
  cancelCampaign,
  enqueuePendingDeliveries,
  type DeliveryRange,
  pauseCampaign,
  resumeCampaign,
  startCampaign,
  startWave,
} from './lifecycle.js';
export { getCampaignDetail, listCampaigns, listDeliveries } from './campaign-read.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export { zeroCounts } from './campaign-row.js';
export type { MaterializationOptions, PipelineDeps } from './pipeline-deps.js';
