import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Uuid } from './primitives.js';

export const API_ROLES = ['viewer', 'operator', 'admin'] as const;
export type ApiRoleName = (typeof API_ROLES)[number];
export const ApiRoleSchema = Type.Union(API_ROLES.map((r) => Type.Literal(r)));

export const ApiKeyCreateRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), role: ApiRoleSchema },
  { additionalProperties: false },
);
export type ApiKeyCreateRequest = Static<typeof ApiKeyCreateRequest>;

export const ApiKeyInfo = Type.Object({
  id: Uuid(),
  name: Type.String(),
  prefix: Type.String(),
  role: ApiRoleSchema,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoTime(),
  lastUsedAt: Type.Union([IsoTime(), Type.Null()]),
  revokedAt: Type.Union([IsoTime(), Type.Null()]),
});
export type ApiKeyInfo = Static<typeof ApiKeyInfo>;

/** Returned once, when the key is created; only its hash is stored. */
export const ApiKeyCreated = Type.Composite([ApiKeyInfo, Type.Object({ key: Type.String() })]);
export type ApiKeyCreated = Static<typeof ApiKeyCreated>;

export const ApiKeyList = Type.Object({ items: Type.Array(ApiKeyInfo) });
