import { Type, type Static } from '@sinclair/typebox';
import { IsoTime } from './primitives.js';

export const EVENT_TYPES = [
  'campaign.created',
  'campaign.status',
  'campaign.progress',
  'fleet.vehicles',
  'fleet.topology',
  'policy.changed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * One entry of the dashboard event stream. `data` depends on the type: campaign events carry
 * `campaignId` and, for progress, `counts`; fleet events say what changed.
 */
export const RoadcastEvent = Type.Object(
  {
    type: Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))),
    at: IsoTime(),
    campaignId: Type.Optional(Type.String()),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type RoadcastEvent = Static<typeof RoadcastEvent>;
