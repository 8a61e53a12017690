import { Type } from '@sinclair/typebox';
import {
  ErrorBody,
  RoadcastError,
  type ERROR_TABLE,
  type RoadcastErrorCode,
} from '@roadcast/contracts';

/** Every code of the error table that has an HTTP status: what the API may answer with. */
export type ApiErrorCode = {
  [C in RoadcastErrorCode]: (typeof ERROR_TABLE)[C] extends { status: number } ? C : never;
}[RoadcastErrorCode];

/** An error the API raises itself; its status comes from the error table. */
export class ApiError extends RoadcastError<ApiErrorCode> {
  readonly details: Array<{ path: string; message: string }> | undefined;

  constructor(
    code: ApiErrorCode,
    message: string,
    details?: Array<{ path: string; message: string }>,
  ) {
    super(code, message);
    this.name = 'ApiError';
    this.details = details;
  }
}

/** Response schemas for the error statuses a route can answer, each the coded error body. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  const all = new Set([400, 401, 403, 429, 500, 503, ...statuses]);
  return Object.fromEntries([...all].map((s) => [s, ErrorBody]));
}

export const NoContent = Type.Null({ description: 'No content' });
