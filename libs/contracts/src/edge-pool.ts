import { Type, type Static } from '@sinclair/typebox';

const EdgeId = () => Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' });
const Weight = () => Type.Integer({ minimum: 0, maximum: 10_000 });
export const EdgeStateSchema = Type.Union([
  Type.Literal('active'),
  Type.Literal('draining'),
  Type.Literal('down'),
]);

export const EdgeBroker = Type.Object({
  id: Type.String(),
  poolId: Type.String(),
  url: Type.String(),
  weight: Type.Integer(),
  state: EdgeStateSchema,
  connections: Type.Integer({
    minimum: 0,
    description: 'Vehicles connected through the routers now',
  }),
});
export type EdgeBroker = Static<typeof EdgeBroker>;

export const EdgePool = Type.Object({
  id: Type.String(),
  name: Type.String(),
  weight: Type.Integer(),
  state: EdgeStateSchema,
  health: Type.Union(
    [Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unavailable')],
    {
      description: 'healthy: every broker active; degraded: some; unavailable: none',
    },
  ),
  connections: Type.Integer({ minimum: 0 }),
  vehicles: Type.Integer({ minimum: 0, description: 'Vehicles assigned to the pool' }),
  brokers: Type.Array(EdgeBroker),
});
export type EdgePool = Static<typeof EdgePool>;

export const EdgePoolList = Type.Object({ items: Type.Array(EdgePool) });

export const EdgePoolCreateRequest = Type.Object(
  {
    id: EdgeId(),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    weight: Type.Optional(Weight()),
  },
  { additionalProperties: false },
);
export type EdgePoolCreateRequest = Static<typeof EdgePoolCreateRequest>;

export const EdgeBrokerCreateRequest = Type.Object(
  {
    id: EdgeId(),
    url: Type.String({ pattern: '^mqtts?://[^\\s]+$', maxLength: 500 }),
    weight: Type.Optional(Weight()),
  },
  { additionalProperties: false },
);
export type EdgeBrokerCreateRequest = Static<typeof EdgeBrokerCreateRequest>;

export const WeightChangeRequest = Type.Object(
  { weight: Weight() },
  { additionalProperties: false },
);
export type WeightChangeRequest = Static<typeof WeightChangeRequest>;
