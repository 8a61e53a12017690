import { Type, type Static } from '@sinclair/typebox';
import { IsoTime } from './primitives.js';

/** One mutating call as the audit log recorded it. */
export const AuditEntry = Type.Object({
  id: Type.String({ description: 'Increasing entry id' }),
  at: IsoTime(),
  actor: Type.String({ description: 'API key name and id, e.g. "ops (2f…)"' }),
  action: Type.String({ description: 'e.g. campaign.create' }),
  targetType: Type.String(),
  targetId: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});
export type AuditEntry = Static<typeof AuditEntry>;

const Name = (description: string) =>
  Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\x00-\\x1F]+$', description });

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Name('API key id, or key name (every key of that name)')),
    resourceType: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[a-z][a-z0-9_.-]*$',
        description: 'e.g. campaign, vehicle, api-key',
      }),
    ),
    resourceId: Type.Optional(Name('Id of the resource; needs resourceType')),
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[a-z][a-z0-9_.-]*$',
        description: 'e.g. campaign.cancel',
      }),
    ),
    from: Type.Optional(IsoTime('Entries at or after this time')),
    to: Type.Optional(IsoTime('Entries before this time')),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditList = Type.Object({
  items: Type.Array(AuditEntry),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type AuditList = Static<typeof AuditList>;
