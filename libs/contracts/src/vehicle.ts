import { Type, type Static } from '@sinclair/typebox';
import { DeliveryStateSchema, VehicleId } from './campaign.js';
import { VehicleInventory } from './inventory.js';
import { IsoTime, Uuid } from './primitives.js';

export const MAX_VEHICLES_PER_REQUEST = 10_000;

const Label = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s]+$' }), {
  maxItems: 32,
  default: [],
});

export const VehicleInput = Type.Object(
  {
    id: VehicleId(),
    model: Label(128),
    region: Label(128),
    softwareVersion: Label(64),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
export type VehicleInput = Static<typeof VehicleInput>;

export const VehicleBulkRequest = Type.Object(
  { vehicles: Type.Array(VehicleInput, { minItems: 1, maxItems: MAX_VEHICLES_PER_REQUEST }) },
  { additionalProperties: false },
);
export type VehicleBulkRequest = Static<typeof VehicleBulkRequest>;

export const VehicleBulkResult = Type.Object({
  created: Type.Integer({ minimum: 0 }),
  updated: Type.Integer({ minimum: 0 }),
});
export type VehicleBulkResult = Static<typeof VehicleBulkResult>;

export const Vehicle = Type.Object({
  id: Type.String(),
  model: Type.String(),
  region: Type.String(),
  softwareVersion: Type.String(),
  tags: Type.Array(Type.String()),
  poolId: Type.Union([Type.String(), Type.Null()]),
  pinned: Type.Boolean(),
  lastSeenAt: Type.Union([IsoTime(), Type.Null()]),
  createdAt: IsoTime(),
  updatedAt: IsoTime(),
});
export type Vehicle = Static<typeof Vehicle>;

export const VehiclePresence = Type.Object({
  brokerId: Type.String(),
  poolId: Type.String(),
  routerId: Type.String(),
  connectedAt: Type.String(),
  sessionPresent: Type.Boolean(),
  protocolVersion: Type.Integer(),
});

export const OpenDelivery = Type.Object({
  campaignId: Uuid(),
  noticeId: Uuid(),
  state: DeliveryStateSchema,
  brokerId: Type.Union([Type.String(), Type.Null()]),
  updatedAt: IsoTime(),
});

export const VehicleDetail = Type.Composite([
  Vehicle,
  Type.Object({
    presence: Type.Union([VehiclePresence, Type.Null()]),
    openDeliveries: Type.Array(OpenDelivery),
    inventory: Type.Union([VehicleInventory, Type.Null()], {
      description: 'What the vehicle last reported on its status topic; null if it never did',
    }),
  }),
]);
export type VehicleDetail = Static<typeof VehicleDetail>;

export const VehicleListQuery = Type.Object(
  {
    model: Type.Optional(Label(128)),
    region: Type.Optional(Label(128)),
    softwareVersion: Type.Optional(Label(64)),
    tag: Type.Optional(Label(64)),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type VehicleListQuery = Static<typeof VehicleListQuery>;

export const VehicleList = Type.Object({
  items: Type.Array(Vehicle),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type VehicleList = Static<typeof VehicleList>;

export const PoolAssignmentRequest = Type.Object(
  {
    poolId: Type.String({ minLength: 1, maxLength: 64 }),
    mode: Type.Union([Type.Literal('pin'), Type.Literal('move')], {
      default: 'pin',
      description: 'pin: keep it there; move: reassign without pinning',
    }),
  },
  { additionalProperties: false },
);
export type PoolAssignmentRequest = Static<typeof PoolAssignmentRequest>;
