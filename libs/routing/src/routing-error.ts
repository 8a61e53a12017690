/** Coded errors of the routing library. */
export type RoutingErrorCode =
  | 'ROADCAST_ERR_NO_ACTIVE_POOL'
  | 'ROADCAST_ERR_UNKNOWN_VEHICLE'
  | 'ROADCAST_ERR_UNKNOWN_POOL'
  | 'ROADCAST_ERR_UNAVAILABLE';

export class RoutingError extends Error {
  readonly code: RoutingErrorCode;

  constructor(code: RoutingErrorCode, message: string) {
    super(message);
    this.name = 'RoutingError';
    this.code = code;
  }
}
