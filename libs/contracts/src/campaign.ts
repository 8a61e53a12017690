import { Type, type Static } from '@sinclair/typebox';
import { CAMPAIGN_STATUSES, WAVE_STATES } from './campaign-lifecycle.js';
import { CampaignOptions, CampaignSettings } from './campaign-options.js';
import { DELIVERY_STATES } from './delivery-state.js';
import { DEFAULT_RETRY_STATES, RETRYABLE_DELIVERY_STATES } from './delivery-transitions.js';
import { UpdateRef } from './notice.js';
import { IsoTime, Uuid, VEHICLE_ID_MAX, VEHICLE_ID_PATTERN, VehicleId } from './primitives.js';

export { VEHICLE_ID_MAX, VEHICLE_ID_PATTERN, VehicleId };

export const MAX_TARGET_IDS = 100_000;

const ReportedComponent = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^/\\s]+$' });
const ReportedVersion = Type.String({ minLength: 1, maxLength: 64 });

/**
 * Targeting by the inventory (docs/decisions/0350): vehicles whose latest status report says
 * they run `version` of `component`, or run a version of it other than `notVersion` (a vehicle
 * that never reported the component matches neither).
 */
export const ReportedVersionFilter = Type.Union(
  [
    Type.Object(
      { component: ReportedComponent, version: ReportedVersion },
      { additionalProperties: false },
    ),
    Type.Object(
      { component: ReportedComponent, notVersion: ReportedVersion },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'Vehicles reporting this version of the component, or another version than notVersion',
  },
);
export type ReportedVersionFilter = Static<typeof ReportedVersionFilter>;

export const VehicleFilter = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    softwareVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 32,
        description: 'Vehicles carrying all of these tags',
      }),
    ),
    reportedVersion: Type.Optional(ReportedVersionFilter),
  },
  { additionalProperties: false, description: 'Every given field must match' },
);
export type VehicleFilter = Static<typeof VehicleFilter>;

export const CampaignTarget = Type.Object(
  {
    vehicleIds: Type.Optional(
      Type.Array(VehicleId(), { maxItems: MAX_TARGET_IDS, uniqueItems: false }),
    ),
    filter: Type.Optional(VehicleFilter),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description:
      'Listed vehicles plus every registered vehicle matching the filter; unknown ids are ignored',
  },
);
export type CampaignTarget = Static<typeof CampaignTarget>;

export const WaveSpec = Type.Object(
  {
    percent: Type.Number({
      exclusiveMinimum: 0,
      maximum: 100,
      description: 'Cumulative share of the target',
    }),
    successThreshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        default: 0.95,
        description: 'Installed share that starts the next wave',
      }),
    ),
    failureThreshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        default: 0.05,
        description:
          'Failed, timed-out or rejected share that pauses the campaign (or cancels it, see options.onFailureThreshold)',
      }),
    ),
    requiresApproval: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'The wave waits for an operator to approve it before it starts',
      }),
    ),
  },
  { additionalProperties: false },
);
export type WaveSpec = Static<typeof WaveSpec>;

export const Rollout = Type.Object(
  { waves: Type.Array(WaveSpec, { minItems: 1, maxItems: 20 }) },
  {
    additionalProperties: false,
    description: 'Waves with strictly increasing cumulative percentages ending at 100',
  },
);
export type Rollout = Static<typeof Rollout>;

export const CampaignCreateRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    update: UpdateRef,
    target: CampaignTarget,
    rollout: Type.Optional(Rollout),
    priority: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1000, default: 0, description: 'Higher goes first' }),
    ),
    startAt: Type.Optional(IsoTime('When the first wave starts; now when omitted')),
    expiresAt: Type.Optional(
      IsoTime('When notices stop being valid; 30 days after the start when omitted'),
    ),
    options: Type.Optional(CampaignOptions),
  },
  { additionalProperties: false },
);
export type CampaignCreateRequest = Static<typeof CampaignCreateRequest>;

export const CampaignStatusSchema = Type.Union(CAMPAIGN_STATUSES.map((s) => Type.Literal(s)));

export const DeliveryStateSchema = Type.Union(DELIVERY_STATES.map((s) => Type.Literal(s)));

/** Number of deliveries per state; every state is present. */
export const DeliveryCounts = Type.Object(
  Object.fromEntries(DELIVERY_STATES.map((s) => [s, Type.Integer({ minimum: 0 })])) as Record<
    (typeof DELIVERY_STATES)[number],
    ReturnType<typeof Type.Integer>
  >,
  { additionalProperties: false },
);
export type DeliveryCounts = Static<typeof DeliveryCounts>;

const Reached = Type.Integer({
  minimum: 0,
  description:
    'Deliveries whose vehicle answered the notice: received or further (installing, installed, failed, timed out, rejected)',
});
const NotReached = Type.Integer({
  minimum: 0,
  description:
    'The silent bucket: open deliveries whose vehicle has not answered (pending, published, parked)',
});

export const WaveProgress = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  percent: Type.Number(),
  successThreshold: Type.Number(),
  failureThreshold: Type.Number(),
  size: Type.Integer({ minimum: 0 }),
  state: Type.Union(WAVE_STATES.map((s) => Type.Literal(s))),
  requiresApproval: Type.Boolean(),
  approvedAt: Type.Union([IsoTime(), Type.Null()]),
  approvedBy: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.Union([IsoTime(), Type.Null()]),
  completedAt: Type.Union([IsoTime(), Type.Null()]),
  counts: DeliveryCounts,
  reached: Reached,
  notReached: NotReached,
});
export type WaveProgress = Static<typeof WaveProgress>;

export const Campaign = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    update: UpdateRef,
    target: CampaignTarget,
    priority: Type.Integer(),
    status: CampaignStatusSchema,
    startAt: IsoTime(),
    expiresAt: IsoTime(),
    currentWave: Type.Integer(),
    pausedReason: Type.Union([Type.String(), Type.Null()]),
    endedReason: Type.Union([Type.String(), Type.Null()], {
      description:
        'Why a cancelled or expired campaign ended (operator, failure threshold, expiry)',
    }),
    options: CampaignSettings,
    createdBy: Type.String(),
    createdAt: IsoTime(),
    completedAt: Type.Union([IsoTime(), Type.Null()]),
    total: Type.Integer({ minimum: 0, description: 'Deliveries materialized for the target' }),
    counts: DeliveryCounts,
    reached: Reached,
    notReached: NotReached,
    awaitingApproval: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description: 'Index of the wave that waits for an operator to approve it, if any',
    }),
    allowedPerMinute: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
        description:
          'First notices per minute the campaign may send now (options.rate with its ramp); null: unlimited',
      }),
    ),
  },
  {},
);
export type Campaign = Static<typeof Campaign>;

/** How far writing a campaign's deliveries has come; large targets are written in the background. */
export const MaterializationProgress = Type.Object({
  state: Type.Union(
    [Type.Literal('materializing'), Type.Literal('done'), Type.Literal('stopped')],
    {
      description:
        'stopped: the campaign ended (cancelled, expired) before every delivery was written',
    },
  ),
  target: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Vehicles in the target when materialization began; null until counted',
  }),
  written: Type.Integer({ minimum: 0, description: 'Deliveries written so far' }),
});
export type MaterializationProgress = Static<typeof MaterializationProgress>;

export const CampaignDetail = Type.Composite([
  Campaign,
  Type.Object({ waves: Type.Array(WaveProgress), materialization: MaterializationProgress }),
]);
export type CampaignDetail = Static<typeof CampaignDetail>;

export const CampaignList = Type.Object({
  items: Type.Array(Campaign),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type CampaignList = Static<typeof CampaignList>;

export const CampaignListQuery = Type.Object(
  {
    status: Type.Optional(CampaignStatusSchema),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type CampaignListQuery = Static<typeof CampaignListQuery>;

export const Delivery = Type.Object({
  id: Type.Integer(),
  vehicleId: Type.String(),
  noticeId: Uuid(),
  wave: Type.Integer(),
  state: DeliveryStateSchema,
  attempt: Type.Integer({
    minimum: 1,
    description: 'Which attempt this is: a retry starts a new one with a new notice id',
  }),
  publishes: Type.Integer({
    minimum: 0,
    description: 'Times the notice of this attempt was handed to an edge broker',
  }),
  brokerId: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  updatedAt: IsoTime(),
});
export type Delivery = Static<typeof Delivery>;

export const DeliveryList = Type.Object({
  items: Type.Array(Delivery),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type DeliveryList = Static<typeof DeliveryList>;

export const DeliveryListQuery = Type.Object(
  {
    state: Type.Optional(DeliveryStateSchema),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;

export const PauseRequest = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
export type PauseRequest = Static<typeof PauseRequest>;

export const WaveApprovalRequest = Type.Object(
  {
    comment: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description: 'Why the wave may go ahead; kept in the audit log',
      }),
    ),
  },
  { additionalProperties: false },
);
export type WaveApprovalRequest = Static<typeof WaveApprovalRequest>;

export const RetryRequest = Type.Object(
  {
    states: Type.Optional(
      Type.Array(Type.Union(RETRYABLE_DELIVERY_STATES.map((s) => Type.Literal(s))), {
        minItems: 1,
        uniqueItems: true,
        default: [...DEFAULT_RETRY_STATES],
        description: 'Deliveries in these states start a new attempt',
      }),
    ),
    wave: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 19, description: 'Only this wave (0-based index)' }),
    ),
    maxAttempts: Type.Optional(
      Type.Integer({
        minimum: 2,
        maximum: 100,
        description: 'Only deliveries that have had fewer attempts than this, the first included',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RetryRequest = Static<typeof RetryRequest>;

export const RetryResult = Type.Object({
  retried: Type.Integer({ minimum: 0, description: 'Deliveries that started a new attempt' }),
  campaign: CampaignDetail,
});
export type RetryResult = Static<typeof RetryResult>;
