import { Type, type Static } from '@sinclair/typebox';
import { IsoTime } from './primitives.js';

/**
 * A stored router policy version. The document's own schema belongs to the router policy
 * library; the API validates it there and shows it here as an object.
 */
export const PolicyVersion = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  document: Type.Record(Type.String(), Type.Unknown()),
  comment: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: IsoTime(),
});
export type PolicyVersion = Static<typeof PolicyVersion>;

export const PolicyReplaceRequest = Type.Object(
  {
    document: Type.Record(Type.String(), Type.Unknown()),
    comment: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type PolicyReplaceRequest = Static<typeof PolicyReplaceRequest>;

export const PolicyHistory = Type.Object({
  items: Type.Array(Type.Omit(PolicyVersion, ['document'])),
});
