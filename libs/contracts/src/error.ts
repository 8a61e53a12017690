import { Type, type Static } from '@sinclair/typebox';

/** Every error answer of the REST API. */
export const ErrorBody = Type.Object(
  {
    code: Type.String({ pattern: '^ROADCAST_ERR_[A-Z_]+$' }),
    message: Type.String(),
    requestId: Type.String(),
    details: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
    ),
    dependency: Type.Optional(
      Type.Union([Type.Literal('database'), Type.Literal('redis')], {
        description: 'The dependency that is unavailable (ROADCAST_ERR_DEPENDENCY_UNAVAILABLE)',
      }),
    ),
  },
  {},
);
export type ErrorBody = Static<typeof ErrorBody>;
