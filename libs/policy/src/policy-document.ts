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

const PreAuthPolicy = Type.Object(
  {
    maxConnections: Type.Integer({
      minimum: 0,
      default: 2_000,
      description:
        'Connections whose identity is not established yet (TLS handshake to accepted CONNECT), across the router; beyond it new connections are closed before any TLS work. 0 means unlimited',
    }),
    // Off by default for the same reason as connectsPerIp: vehicles behind carrier-grade NAT.
    maxPerAddress: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'The same, per source address; 0 means unlimited',
    }),
    maxConnectBytes: Type.Integer({
      minimum: 64,
      maximum: 268_435_460,
      default: 4_096,
      description:
        'Largest CONNECT read before identity is established, refused from its fixed header; maxPacketSize applies once the session is accepted',
    }),
    unidentifiedTimeoutMs: Type.Integer({
      minimum: 100,
      default: 2_000,
      description:
        'A connection without a valid certificate, or refused at accept, is answered as soon as its CONNECT names the protocol version, and closed after this long if it never does',
    }),
    refusalAnswers: Rate(
      'Connections refused at accept for a rate or quota that still get a TLS handshake and a CONNACK (0x9F, 0x97) saying why; beyond this they are closed before any TLS work',
      20,
      100,
    ),
  },
  { default: {}, description: 'The budget of connections whose identity is not established yet' },
);

const ProxyProtocolPolicy = Type.Object(
  {
    trustedSources: Type.Array(Cidr, {
      default: [],
      description:
        'Balancers allowed to send a PROXY protocol v2 header; the address it carries is the one limits, bans and logs see. A header from any other address is refused',
    }),
    required: Type.Boolean({
      default: true,
      description:
        'A trusted balancer must send the header; a connection from it without one is refused',
    }),
  },
  { default: {}, description: 'PROXY protocol v2 from L4 balancers in front of the router' },
);

const MessageRatePolicy = Type.Object(
  {
    upstream: Rate(
      'Control packets per second from one vehicle; beyond it reading pauses (0 means unlimited)',
      100,
      1_000,
    ),
    downstream: Rate(
      'Control packets per second to one vehicle; beyond it reading from its broker pauses (0 means unlimited)',
      0,
      1_000,
    ),
    upstreamGraceMs: Type.Integer({
      minimum: 0,
      default: 10_000,
      description:
        'A vehicle held back by its upstream message rate for this long without its bucket refilling is disconnected (0x96)',
    }),
  },
  { default: {}, description: 'Per-vehicle message rates beside the byte rates' },
);

const LoggingPolicy = Type.Object(
  {
    refusalIntervalMs: Type.Integer({
      minimum: 100,
      default: 10_000,
      description:
        'A connection logs each refusal reason at most once per interval; later lines say how many were held back',
    }),
    refusalLinesPerInterval: Type.Integer({
      minimum: 1,
      default: 20,
      description:
        'Refusal lines per reason per interval across the router; the rest are summed up in one line (metrics count every refusal)',
    }),
  },
  { default: {} },
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
    preAuth: PreAuthPolicy,
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
            description:
              'Temporary ban of an address after repeated failures before identity is established: authentication, TLS handshakes, CONNECT deadlines and refused CONNECTs',
          },
        ),
        proxyProtocol: ProxyProtocolPolicy,
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
        minKeepAliveSeconds: Type.Integer({
          minimum: 1,
          maximum: 65_535,
          default: 5,
          description:
            'Shorter keep alives are raised to this (5.0, Server Keep Alive) or refused (3.1.1, return code 5)',
        }),
        maxKeepAliveSeconds: Type.Integer({
          minimum: 1,
          maximum: 65_535,
          default: 1_200,
          description:
            'Keep alive 0 or longer ones are lowered to this (5.0, Server Keep Alive) or refused (3.1.1, return code 5); a connection silent for 1.5 times its keep alive is closed',
        }),
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
          description:
            'Vehicle sessions (identity established) per router; 0 means unlimited. Connections not identified yet count against preAuth instead',
        }),
        messages: MessageRatePolicy,
        writeBufferBytes: Type.Integer({
          minimum: 16_384,
          maximum: 16_777_216,
          default: 65_536,
          description:
            'Bytes the router holds for one socket (a vehicle or its broker) before it stops reading from both sides until that socket drains',
        }),
        stalledTimeoutMs: Type.Integer({
          minimum: 100,
          default: 30_000,
          description:
            'A vehicle (or broker) that takes none of the bytes held for it for this long is disconnected',
        }),
      },
      { default: {} },
    ),
    logging: LoggingPolicy,
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
