import { Type, type Static } from '@sinclair/typebox';

/** A region's id: the value of a vehicle's `region`. */
export const RegionId = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' });

/** A region and the time zone its maintenance windows are read in (docs/decisions/0348). */
export const Region = Type.Object({
  id: RegionId,
  timeZone: Type.String({ description: 'IANA time zone name, e.g. Europe/Berlin' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Region = Static<typeof Region>;

export const RegionList = Type.Object({
  items: Type.Array(Region, {
    description: 'Configured regions; a region without an entry keeps its windows in UTC',
  }),
});
export type RegionList = Static<typeof RegionList>;

export const RegionUpdateRequest = Type.Object(
  {
    timeZone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'IANA time zone name known to the platform, e.g. America/New_York',
    }),
  },
  { additionalProperties: false },
);
export type RegionUpdateRequest = Static<typeof RegionUpdateRequest>;
