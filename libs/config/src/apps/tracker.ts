import { Type, type Static } from '@sinclair/typebox';
import { common, database, host, port, redis } from '../settings.js';

const int = (description: string, def: number, minimum: number, maximum: number) =>
  Type.Integer({ description, default: def, minimum, maximum });

export const TrackerSettings = Type.Object({
  ...common,
  ...database,
  ...redis,
  TRACKER_ADMIN_HOST: host('Address of the admin endpoints (health, metrics)'),
  TRACKER_ADMIN_PORT: port('Admin endpoints: /healthz, /readyz, /metrics', 9885),
  TRACKER_INSTANCE_ID: Type.String({
    description:
      'Stable name of this tracker instance (e.g. the StatefulSet pod name); its MQTT sessions on ' +
      'the edge brokers are named after it, so acks queued while it was down reach it on restart',
    default: 'tracker-0',
    pattern: '^[A-Za-z0-9_-]{1,48}$',
  }),
  TRACKER_EDGE_USERNAME: Type.String({
    description: 'User name the tracker presents to edge brokers',
    default: 'roadcast-tracker',
    minLength: 1,
    maxLength: 256,
  }),
  TRACKER_EDGE_PASSWORD_FILE: Type.String({
    description: 'File holding the password the tracker presents to edge brokers; empty sends none',
    default: '',
  }),
  TRACKER_SHARE_GROUP: Type.String({
    description:
      'Shared subscription group on the edge brokers; trackers in one group split the acks',
    default: 'tracker',
    pattern: '^[A-Za-z0-9_-]{1,64}$',
  }),
  TRACKER_SESSION_EXPIRY_S: int(
    'How long an edge broker keeps queuing acks for a tracker session that is away (seconds)',
    86_400,
    60,
    4_294_967_295,
  ),
  TRACKER_CONNECTIONS_PER_BROKER: int(
    'Ack-consuming MQTT connections to each edge broker',
    1,
    1,
    16,
  ),
  TRACKER_RECEIVE_MAXIMUM: int(
    'Acks a broker may have in flight on one connection before the tracker commits and acknowledges them',
    10_000,
    1,
    65_535,
  ),
  TRACKER_BROKER_REFRESH_MS: int(
    'How often the edge broker list is re-read from Postgres',
    10_000,
    500,
    3_600_000,
  ),
  TRACKER_BATCH_SIZE: int('Acks applied to Postgres in one statement at most', 5_000, 1, 100_000),
  TRACKER_CONCURRENT_BATCHES: int('Ack batches applied to Postgres at once', 2, 1, 16),
  TRACKER_FLUSH_INTERVAL_MS: int('Longest time an ack waits for its batch to fill', 50, 1, 60_000),
  TRACKER_RECONNECT_BATCH: int(
    'Presence events handled per read of the event stream',
    500,
    1,
    10_000,
  ),
  TRACKER_RETRY_DELAY_MS: int(
    'A connected vehicle that has not acknowledged a notice this long after it was sent gets it again',
    60_000,
    100,
    86_400_000,
  ),
  TRACKER_RETRY_MAX_ATTEMPTS: int(
    'Publishes of one delivery after which the retry timer stops re-sending it (reconnects still do)',
    8,
    0,
    1_000,
  ),
  TRACKER_RESEND_PER_BROKER_PER_S: int(
    'Re-sends per second to one edge broker, shared by all trackers, when an area comes back at once; 0 sends them unpaced',
    500,
    0,
    1_000_000,
  ),
  TRACKER_RESEND_BURST: int(
    'Re-sends to one idle edge broker that go out at once before the per-broker pace applies',
    1_000,
    1,
    1_000_000,
  ),
  TRACKER_SWEEP_INTERVAL_MS: int(
    'How often expiry, in-progress timeouts, retries, rollout and silent vehicles are checked',
    2_000,
    100,
    600_000,
  ),
  TRACKER_SWEEP_STRETCH: int(
    'Deliveries of one campaign the in-progress timeout and automatic retry read per sweep; a campaign is covered every size/stretch sweeps',
    20_000,
    100,
    1_000_000,
  ),
  TRACKER_ESTIMATE_INTERVAL_MS: int(
    'How often the predicted completion of running campaigns is recomputed (from the counters); 0 turns it off',
    30_000,
    0,
    3_600_000,
  ),
  TRACKER_SILENT_AFTER_MS: int(
    'A vehicle with unacknowledged notices not seen this long is reported silent (never failed)',
    86_400_000,
    1_000,
    31_536_000_000,
  ),
  FANOUT_BATCH_SIZE: int(
    'Deliveries per fan-out job when the tracker starts the next wave',
    500,
    1,
    10_000,
  ),
});
export type TrackerSettings = Static<typeof TrackerSettings>;
