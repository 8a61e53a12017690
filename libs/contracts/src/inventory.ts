import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BOOT_HEALTH } from './ack.js';
import { IsoTime, Uuid } from './primitives.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A component id as vehicles report it and campaigns name it (`update.id`). */
export const ComponentId = () =>
  Type.String({ minLength: 1, maxLength: 128, pattern: '^[^/\\s]+$' });

/** What a vehicle last reported on its status topic (docs/decisions/0350). */
export const VehicleInventory = Type.Object({
  reportedAt: IsoTime("The report's own time"),
  receivedAt: IsoTime('When the platform stored it'),
  softwareVersion: Nullable(Type.String()),
  boot: Nullable(
    Type.Object({
      health: Type.Union(BOOT_HEALTH.map((h) => Type.Literal(h))),
      bootedAt: Nullable(IsoTime()),
      healthySince: Nullable(IsoTime('Healthy without a break since (platform time)')),
    }),
  ),
  components: Type.Array(
    Type.Object({
      id: Type.String(),
      version: Type.String(),
      reportedAt: IsoTime(),
      since: IsoTime('Runs this version since (platform time)'),
    }),
  ),
});
export type VehicleInventory = Static<typeof VehicleInventory>;

export const ComponentParams = Type.Object({ component: ComponentId() });

export const ComponentInventoryQuery = Type.Object(
  {
    campaignId: Type.Optional(
      Uuid('Also answer how many vehicles the campaign targets run the version it offers'),
    ),
  },
  { additionalProperties: false },
);
export type ComponentInventoryQuery = Static<typeof ComponentInventoryQuery>;

export const CampaignCompliance = Type.Object({
  campaignId: Uuid(),
  version: Type.String({ description: 'The version the campaign offers' }),
  targeted: Type.Integer({ minimum: 0, description: 'Vehicles the campaign targets' }),
  reporting: Type.Integer({
    minimum: 0,
    description: 'Targeted vehicles that reported a version of the component',
  }),
  onVersion: Type.Integer({ minimum: 0, description: 'Targeted vehicles running that version' }),
  share: Type.Number({ minimum: 0, maximum: 1, description: 'onVersion / targeted (0 if none)' }),
});
export type CampaignCompliance = Static<typeof CampaignCompliance>;

export const ComponentInventory = Type.Object({
  component: Type.String(),
  vehicles: Type.Integer({ minimum: 0, description: 'Vehicles that reported this component' }),
  versions: Type.Array(
    Type.Object({ version: Type.String(), vehicles: Type.Integer({ minimum: 0 }) }),
    { description: 'Vehicles per reported version, most common first' },
  ),
  compliance: Nullable(CampaignCompliance),
});
export type ComponentInventory = Static<typeof ComponentInventory>;

export const ComponentList = Type.Object({
  items: Type.Array(
    Type.Object({ component: Type.String(), vehicles: Type.Integer({ minimum: 0 }) }),
  ),
});
export type ComponentList = Static<typeof ComponentList>;
