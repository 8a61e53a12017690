import { RoadcastError, createError, type RoadcastErrorCode } from '@roadcast/contracts/errors';

/** The codes the routing library raises; their statuses and messages are in the error table. */
export type RoutingErrorCode = Extract<
  RoadcastErrorCode,
  | 'ROADCAST_ERR_NO_ACTIVE_POOL'
  | 'ROADCAST_ERR_UNKNOWN_VEHICLE'
  | 'ROADCAST_ERR_UNKNOWN_POOL'
  | 'ROADCAST_ERR_UNAVAILABLE'
>;

/** Every error the routing library raises. */
export class RoutingError extends RoadcastError<RoutingErrorCode> {
  constructor(...args: ConstructorParameters<typeof RoadcastError<RoutingErrorCode>>) {
    super(...args);
    this.name = 'RoutingError';
  }
}

export const NoActivePool = createError('ROADCAST_ERR_NO_ACTIVE_POOL', RoutingError);
export const UnknownVehicle = createError('ROADCAST_ERR_UNKNOWN_VEHICLE', RoutingError);
export const UnknownPool = createError('ROADCAST_ERR_UNKNOWN_POOL', RoutingError);
/** A dependency of a lookup (Redis, Postgres) is down or hung. */
export const RoutingUnavailable = createError('ROADCAST_ERR_UNAVAILABLE', RoutingError);
