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

export const BOOT_HEALTH = ['healthy', 'unhealthy'] as const;
export type BootHealth = (typeof BOOT_HEALTH)[number];

/**
 * What a vehicle may publish on `vehicles/{id}/status`: the versions it runs, per component
 * (a component is what a campaign's `update.id` names), and how its last boot went. The
 * platform keeps the latest report per vehicle and component as its inventory.
 */
export const VehicleStatus = Type.Object(
  {
    softwareVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    components: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ minLength: 1, maxLength: 128 }),
            version: Type.String({ minLength: 1, maxLength: 64 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 64, description: 'Versions running now, one entry per component' },
      ),
    ),
    boot: Type.Optional(
      Type.Object(
        {
          health: Type.Union(BOOT_HEALTH.map((h) => Type.Literal(h))),
          bootedAt: IsoTime('When the running software booted'),
        },
        { additionalProperties: false },
      ),
    ),
    at: IsoTime(),
  },
  { additionalProperties: false },
);
export type VehicleStatus = Static<typeof VehicleStatus>;
