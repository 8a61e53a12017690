/** Errors of the campaign pipeline, each with the HTTP status an API answers it with. */
export const CAMPAIGN_ERRORS = {
  ROADCAST_ERR_CAMPAIGN_NOT_FOUND: 404,
  ROADCAST_ERR_CAMPAIGN_STATE: 409,
  ROADCAST_ERR_IDEMPOTENCY_MISMATCH: 409,
  ROADCAST_ERR_INVALID_ROLLOUT: 400,
  ROADCAST_ERR_INVALID_SCHEDULE: 400,
  ROADCAST_ERR_INVALID_CURSOR: 400,
  ROADCAST_ERR_INVALID_OPTIONS: 400,
  ROADCAST_ERR_INVALID_TIME_ZONE: 400,
  ROADCAST_ERR_UNKNOWN_WAVE: 422,
} as const;
export type CampaignErrorCode = keyof typeof CAMPAIGN_ERRORS;

export class CampaignError extends Error {
  readonly code: CampaignErrorCode;
  readonly statusCode: number;

  constructor(code: CampaignErrorCode, message: string) {
    super(message);
    this.name = 'CampaignError';
    this.code = code;
    this.statusCode = CAMPAIGN_ERRORS[code];
  }
}
