import { RoadcastError, createError, type RoadcastErrorCode } from '@roadcast/contracts';

/** The codes the campaign pipeline raises; their statuses and messages are in the error table. */
export type CampaignErrorCode = Extract<
  RoadcastErrorCode,
  | 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND'
  | 'ROADCAST_ERR_CAMPAIGN_STATE'
  | 'ROADCAST_ERR_IDEMPOTENCY_MISMATCH'
  | 'ROADCAST_ERR_INVALID_ROLLOUT'
  | 'ROADCAST_ERR_INVALID_SCHEDULE'
  | 'ROADCAST_ERR_INVALID_CURSOR'
  | 'ROADCAST_ERR_INVALID_OPTIONS'
  | 'ROADCAST_ERR_UNKNOWN_WAVE'
>;

/** Every error the campaign pipeline raises. */
export class CampaignError extends RoadcastError<CampaignErrorCode> {
  constructor(...args: ConstructorParameters<typeof RoadcastError<CampaignErrorCode>>) {
    super(...args);
    this.name = 'CampaignError';
  }
}

export const CampaignNotFound = createError('ROADCAST_ERR_CAMPAIGN_NOT_FOUND', CampaignError);
export const CampaignStateRefused = createError('ROADCAST_ERR_CAMPAIGN_STATE', CampaignError);
export const IdempotencyMismatch = createError('ROADCAST_ERR_IDEMPOTENCY_MISMATCH', CampaignError);
export const InvalidRollout = createError('ROADCAST_ERR_INVALID_ROLLOUT', CampaignError);
export const InvalidSchedule = createError('ROADCAST_ERR_INVALID_SCHEDULE', CampaignError);
export const InvalidCursor = createError('ROADCAST_ERR_INVALID_CURSOR', CampaignError);
export const InvalidCampaignOptions = createError('ROADCAST_ERR_INVALID_OPTIONS', CampaignError);
export const UnknownWave = createError('ROADCAST_ERR_UNKNOWN_WAVE', CampaignError);
