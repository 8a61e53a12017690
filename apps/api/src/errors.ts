import { Type } from '@sinclair/typebox';
import { ErrorBody } from '@roadcast/contracts';

/** Every error the REST API answers with, and its HTTP status. */
export const API_ERRORS = {
  ROADCAST_ERR_VALIDATION: 400,
  ROADCAST_ERR_INVALID_CURSOR: 400,
  ROADCAST_ERR_INVALID_ROLLOUT: 400,
  ROADCAST_ERR_INVALID_SCHEDULE: 400,
  ROADCAST_ERR_INVALID_POLICY: 400,
  ROADCAST_ERR_INVALID_OPTIONS: 400,
  ROADCAST_ERR_INVALID_TIME_ZONE: 400,
  ROADCAST_ERR_MALFORMED_JSON: 400,
  ROADCAST_ERR_UNAUTHORIZED: 401,
  ROADCAST_ERR_FORBIDDEN: 403,
  ROADCAST_ERR_NOT_FOUND: 404,
  ROADCAST_ERR_CAMPAIGN_NOT_FOUND: 404,
  ROADCAST_ERR_VEHICLE_NOT_FOUND: 404,
  ROADCAST_ERR_POOL_NOT_FOUND: 404,
  ROADCAST_ERR_BROKER_NOT_FOUND: 404,
  ROADCAST_ERR_API_KEY_NOT_FOUND: 404,
  ROADCAST_ERR_UNKNOWN_POOL: 404,
  ROADCAST_ERR_UNKNOWN_VEHICLE: 404,
  ROADCAST_ERR_METHOD_NOT_ALLOWED: 405,
  ROADCAST_ERR_CONFLICT: 409,
  ROADCAST_ERR_ALREADY_EXISTS: 409,
  ROADCAST_ERR_CAMPAIGN_STATE: 409,
  ROADCAST_ERR_IDEMPOTENCY_MISMATCH: 409,
  ROADCAST_ERR_NO_ACTIVE_POOL: 409,
  ROADCAST_ERR_PAYLOAD_TOO_LARGE: 413,
  ROADCAST_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ROADCAST_ERR_UNKNOWN_WAVE: 422,
  ROADCAST_ERR_RATE_LIMITED: 429,
  ROADCAST_ERR_TOO_MANY_STREAMS: 429,
  ROADCAST_ERR_INTERNAL: 500,
  ROADCAST_ERR_UNAVAILABLE: 503,
  ROADCAST_ERR_DEPENDENCY_UNAVAILABLE: 503,
  ROADCAST_ERR_OVERLOADED: 503,
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  readonly details: Array<{ path: string; message: string }> | undefined;

  constructor(
    code: ApiErrorCode,
    message: string,
    details?: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = API_ERRORS[code];
    this.details = details;
  }
}

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.hasOwn(API_ERRORS, code);
}

/** Response schemas for the error statuses a route can answer, each the coded error body. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  const all = new Set([400, 401, 403, 429, 500, 503, ...statuses]);
  return Object.fromEntries([...all].map((s) => [s, ErrorBody]));
}

export const NoContent = Type.Null({ description: 'No content' });
