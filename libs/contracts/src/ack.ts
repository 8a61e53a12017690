import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Uuid } from './primitives.js';

export const ACK_STATES = [
  'received',
  'downloading',
  'installing',
  'installed',
  'failed',
  'rejected',
] as const;
export type AckState = (typeof ACK_STATES)[number];

/** What a vehicle publishes on `vehicles/{id}/ota/acks`. */
export const Ack = Type.Object(
  {
    noticeId: Uuid(),
    state: Type.Union(ACK_STATES.map((s) => Type.Literal(s))),
    reason: Type.Optional(Type.String({ maxLength: 512 })),
    at: IsoTime(),
  },
  { additionalProperties: false },
);
export type Ack = Static<typeof Ack>;

/** What a vehicle may publish on `vehicles/{id}/status`. */
export const VehicleStatus = Type.Object(
  {
    softwareVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    at: IsoTime(),
  },
  { additionalProperties: false },
);
export type VehicleStatus = Static<typeof VehicleStatus>;
