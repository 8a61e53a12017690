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
  },
  {},
);
export type ErrorBody = Static<typeof ErrorBody>;
