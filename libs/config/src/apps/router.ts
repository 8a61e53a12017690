import { Type, type Static } from '@sinclair/typebox';
import { common, database, host, port, redis } from '../settings.js';

export const VIN_PATTERN = '^[A-HJ-NPR-Z0-9]{17}$';

export const RouterSettings = Type.Object({
  ...common,
  ...database,
  ...redis,
  ROUTER_ID: Type.String({
    description: 'Name of this router instance in presence records and metrics',
    default: 'router-1',
    pattern: '^[A-Za-z0-9._-]{1,64}$',
  }),
  ROUTER_HOST: host('Address the vehicle listeners bind to'),
  ROUTER_TLS_PORT: port('MQTT over TLS listener for vehicles', 8883),
  ROUTER_PLAIN_PORT: port('Plain MQTT listener for development only; 0 keeps it off', 0),
  ROUTER_ADMIN_HOST: host('Address of the admin endpoints (health, metrics)'),
  ROUTER_ADMIN_PORT: port('Admin endpoints: /healthz, /readyz, /metrics', 9883),
  TLS_CA_FILE: Type.String({
    description: 'Fleet CA certificate (PEM)',
    default: '.data/pki/ca.crt',
  }),
  TLS_CERT_FILE: Type.String({
    description: 'Router server certificate (PEM)',
    default: '.data/pki/router.crt',
  }),
  TLS_KEY_FILE: Type.String({
    description: 'Router server private key (PEM)',
    default: '.data/pki/router.key',
  }),
  TLS_CRL_FILE: Type.String({
    description: 'Certificate revocation list of the fleet CA (PEM); empty disables CRL checks',
    default: '.data/pki/crl.pem',
  }),
  VEHICLE_ID_PATTERN: Type.String({
    description: 'Regular expression a vehicle id must match (default: VIN)',
    default: VIN_PATTERN,
  }),
  VEHICLE_ID_SOURCE: Type.String({
    description: 'Where the vehicle id comes from: "cn", or "san:dns" / "san:uri" for a SAN',
    default: 'cn',
    pattern: '^(cn|san:dns|san:uri)$',
  }),
  ROUTER_POLICY_POLL_MS: Type.Integer({
    description: 'How often the router looks for a new policy version in Postgres',
    default: 2_000,
    minimum: 100,
  }),
  ROUTER_TOPOLOGY_REFRESH_MS: Type.Integer({
    description: 'How often edge pools and brokers are reloaded from Postgres',
    default: 5_000,
    minimum: 100,
  }),
  ROUTER_BROKER_CONNECT_TIMEOUT_MS: Type.Integer({
    description: 'Time allowed to open a broker connection and receive its CONNACK',
    default: 5_000,
    minimum: 100,
  }),
  ROUTER_BROKER_HOLD_DOWN_MS: Type.Integer({
    description: 'How long a broker that refused a connection is skipped before it is tried again',
    default: 10_000,
    minimum: 0,
  }),
  ROUTER_BROKER_USERNAME: Type.String({
    description:
      "User name of every vehicle session the router opens on an edge broker (the vehicle's id is the client id); empty sends the vehicle id instead",
    default: 'roadcast-router',
    maxLength: 256,
  }),
  ROUTER_BROKER_PASSWORD_FILE: Type.String({
    description: 'File holding the password the router presents to edge brokers; empty sends none',
    default: '',
  }),
  ROUTER_REDIS_TIMEOUT_MS: Type.Integer({
    description:
      'A Redis lookup slower than this counts as an outage: the vehicle is routed from Postgres, or by rendezvous hashing when Postgres is away too',
    default: 250,
    minimum: 10,
    maximum: 10_000,
  }),
  ROUTER_PRESENCE_QUEUE_MAX: Type.Integer({
    description:
      'Vehicles whose presence change may wait for Redis during an outage (the latest per vehicle); beyond it the oldest is dropped',
    default: 100_000,
    minimum: 1,
    maximum: 10_000_000,
  }),
  ROUTER_TLS_SESSION_TIMEOUT_S: Type.Integer({
    description:
      'How long a vehicle may resume its TLS session (an abbreviated handshake after a tunnel); a new CRL ends every session',
    default: 3_600,
    minimum: 1,
    maximum: 86_400,
  }),
  ROUTER_TLS_TICKET_KEY_FILE: Type.String({
    description:
      'File holding the session-ticket secret shared by all router replicas (base64 of 48 random bytes, e.g. openssl rand -base64 48), so a vehicle resumes its TLS session on any replica; rotated by replacing the file; empty keeps random keys per process',
    default: '',
  }),
  ROUTER_TLS_RELOAD_MS: Type.Integer({
    description:
      'How often certificate, key, CA, CRL and ticket key files are checked for changes; a changed CRL also ends open sessions it revokes',
    default: 60_000,
    minimum: 1_000,
  }),
  ROUTER_DRAIN_CHECK_MS: Type.Integer({
    description: 'How often connections on draining or removed brokers and pools are looked for',
    default: 1_000,
    minimum: 100,
  }),
});
export type RouterSettings = Static<typeof RouterSettings>;
