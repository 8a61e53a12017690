import { Type, type Static } from '@sinclair/typebox';

/**
 * The router policy: what BIG-IP iRules would hold, as one declarative, versioned document.
 * Operators replace it through the API; every router validates it with this schema and
 * applies it without a restart. Every field has a default, so `{}` is a complete policy.
 */

const Cidr = Type.String({
  description:
    'IPv4 or IPv6 network, e.g. 10.0.0.0/8 or 2001:db8::/32; a bare address means /32 or /128',
});

const Rate = (description: string, perSecond: number, burst: number) =>
  Type.Object(
    {
      perSecond: Type.Number({ minimum: 0, default: perSecond, description: '0 means unlimited' }),
      burst: Type.Integer({ minimum: 1, default: burst }),
    },
    { description, default: {} },
  );

const Bytes = (description: string) =>
  Type.Object(
    {
      upstreamBytesPerSecond: Type.Integer({
        minimum: 0,
        default: 0,
        description: 'vehicle → broker; 0 means unlimited',
      }),
      downstreamBytesPerSecond: Type.Integer({
        minimum: 0,
        default: 0,
        description: 'broker → vehicle; 0 means unlimited',
      }),
    },
    { description, default: {} },
  );

export const TopicPattern = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'MQTT topic filter; {vehicleId} stands for the connected vehicle id',
});

export const RolePolicy = Type.Object({
  publish: Type.Array(TopicPattern, { default: [] }),
  subscribe: Type.Array(TopicPattern, { default: [] }),
});

export const DEFAULT_ROLES = {
  vehicle: {
    publish: ['vehicles/{vehicleId}/ota/acks', 'vehicles/{vehicleId}/status'],
    subscribe: ['vehicles/{vehicleId}/#'],
  },
};

export const RouterPolicyDocument = Type.Object(
  {
    identity: Type.Object(
      {
        clientIdMustMatch: Type.Boolean({
          default: true,
          description: 'CONNECT client id must equal the certificate vehicle id',
        }),
        usernameMustMatch: Type.Boolean({
          default: true,
          description: 'A CONNECT username, when sent, must equal the vehicle id',
        }),
      },
      { default: {} },
    ),
    network: Type.Object(
      {
        allow: Type.Array(Cidr, {
          default: [],
          description: 'When not empty, only these networks may connect',
        }),
        deny: Type.Array(Cidr, { default: [], description: 'Networks refused even when allowed' }),
        // Off by default: vehicles behind carrier-grade NAT share one address, and a fleet
        // returning from a dead zone reconnects at once. Turn it on per deployment.
        connectsPerIp: Rate('New connections per source address', 0, 100),
        authFailureBan: Type.Object(
          {
            // High enough that one misconfigured vehicle behind a shared address does not lock
            // out its neighbours, low enough to stop guessing.
            maxFailures: Type.Integer({ minimum: 1, default: 20 }),
            windowSeconds: Type.Integer({ minimum: 1, default: 60 }),
            banSeconds: Type.Integer({ minimum: 0, default: 300, description: '0 turns bans off' }),
          },
          {
            default: {},
            description: 'Temporary ban of an address after repeated authentication failures',
          },
        ),
      },
      { default: {} },
    ),
    protocol: Type.Object(
      {
        connectTimeoutMs: Type.Integer({
          minimum: 100,
          default: 10_000,
          description: 'CONNECT must arrive within this time',
        }),
        maxPacketSize: Type.Integer({ minimum: 64, maximum: 268_435_460, default: 262_144 }),
        vehicleMaxPacketSize: Type.Record(
          Type.String(),
          Type.Integer({ minimum: 64, maximum: 268_435_460 }),
          {
            default: {},
            description: 'Per-vehicle override of maxPacketSize',
          },
        ),
        maxTopicBytes: Type.Integer({ minimum: 1, maximum: 65_535, default: 256 }),
        roles: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }), RolePolicy, {
          default: DEFAULT_ROLES,
        }),
      },
      { default: {} },
    ),
    throttling: Type.Object(
      {
        connection: Bytes('Per connection byte rates'),
        global: Bytes('Byte rates shared by every connection of one router'),
        // A burst the size of a tunnel full of vehicles passes; a sustained storm is slowed.
        connects: Rate('New connections per second across the router', 2_000, 10_000),
        maxConnections: Type.Integer({
          minimum: 0,
          default: 100_000,
          description: '0 means unlimited',
        }),
      },
      { default: {} },
    ),
    drain: Type.Object(
      {
        disconnectPerSecond: Type.Number({
          minimum: 0.1,
          default: 200,
          description: 'Vehicles told to reconnect per second when their broker or pool drains',
        }),
      },
      { default: {} },
    ),
  },
  { additionalProperties: false },
);

export type RouterPolicy = Static<typeof RouterPolicyDocument>;

export interface PolicyProblem {
  path: string;
  message: string;
}

export type PolicyParseResult =
  { ok: true; policy: RouterPolicy } | { ok: false; problems: PolicyProblem[] };
