/**
 * One entry per coded error anywhere in Roadcast: the message (a template whose `%s` are
 * filled in order by whoever raises it), the HTTP status the API answers it with where an
 * HTTP caller can meet it, and the MQTT 5 reason code (section 2.4) where Roadcast answers
 * or reads it on the wire. A message of `'%s'` is written entirely by the place that raises it.
 */
export interface ErrorEntry {
  readonly message: string;
  readonly status?: number;
  readonly reason?: number;
}

export const ERROR_TABLE = {
  // Requests, wherever they come from.
  ROADCAST_ERR_VALIDATION: { message: 'the request is not valid', status: 400 },
  ROADCAST_ERR_MALFORMED_JSON: { message: 'the body is not valid JSON', status: 400 },
  ROADCAST_ERR_INVALID_CURSOR: { message: 'cursor is not valid', status: 400 },
  ROADCAST_ERR_INVALID_POLICY: { message: '%s', status: 400 },
  ROADCAST_ERR_UNAUTHORIZED: { message: '%s', status: 401, reason: 0x87 },
  ROADCAST_ERR_FORBIDDEN: { message: '%s', status: 403, reason: 0x87 },
  ROADCAST_ERR_NOT_FOUND: { message: '%s', status: 404 },
  ROADCAST_ERR_VEHICLE_NOT_FOUND: { message: 'vehicle not found', status: 404 },
  ROADCAST_ERR_POOL_NOT_FOUND: { message: 'edge pool not found', status: 404 },
  ROADCAST_ERR_BROKER_NOT_FOUND: { message: 'edge broker not found', status: 404 },
  ROADCAST_ERR_API_KEY_NOT_FOUND: { message: 'API key not found', status: 404 },
  ROADCAST_ERR_METHOD_NOT_ALLOWED: { message: '%s', status: 405 },
  ROADCAST_ERR_CONFLICT: { message: '%s', status: 409 },
  ROADCAST_ERR_ALREADY_EXISTS: { message: '%s already exists', status: 409 },
  ROADCAST_ERR_PAYLOAD_TOO_LARGE: { message: '%s', status: 413, reason: 0x95 },
  ROADCAST_ERR_UNSUPPORTED_MEDIA_TYPE: { message: '%s', status: 415 },
  ROADCAST_ERR_RATE_LIMITED: { message: '%s', status: 429, reason: 0x96 },
  ROADCAST_ERR_TOO_MANY_STREAMS: { message: '%s', status: 429 },
  ROADCAST_ERR_INTERNAL: { message: 'internal error', status: 500 },
  ROADCAST_ERR_UNAVAILABLE: { message: '%s', status: 503, reason: 0x88 },
  ROADCAST_ERR_DEPENDENCY_UNAVAILABLE: {
    message: '%s is unavailable; try again shortly',
    status: 503,
  },
  ROADCAST_ERR_OVERLOADED: { message: '%s', status: 503, reason: 0x89 },

  // Campaigns (libs/campaigns).
  ROADCAST_ERR_CAMPAIGN_NOT_FOUND: { message: 'campaign not found', status: 404 },
  ROADCAST_ERR_CAMPAIGN_STATE: { message: '%s', status: 409 },
  ROADCAST_ERR_IDEMPOTENCY_MISMATCH: {
    message: 'this idempotency key was used for a different campaign request',
    status: 409,
  },
  ROADCAST_ERR_INVALID_ROLLOUT: { message: '%s', status: 400 },
  ROADCAST_ERR_INVALID_SCHEDULE: { message: '%s', status: 400 },
  ROADCAST_ERR_INVALID_OPTIONS: { message: '%s', status: 400 },
  ROADCAST_ERR_INVALID_TIME_ZONE: { message: '%s', status: 400 },
  ROADCAST_ERR_UNKNOWN_WAVE: {
    message: 'the campaign has %s wave(s); wave %s does not exist',
    status: 422,
  },
  ROADCAST_ERR_WAVE_NOT_FOUND: { message: 'the campaign has no wave %s', status: 404 },
  ROADCAST_ERR_WAVE_STATE: { message: 'wave %s is %s, not awaiting approval', status: 409 },
  // Recorded on a delivery, never answered: the vehicle went quiet while in progress.
  ROADCAST_ERR_IN_PROGRESS_TIMEOUT: { message: 'no report for %s s after %s' },
  // Recorded on a delivery, never answered: healthy boot not confirmed (docs/decisions/0352).
  ROADCAST_ERR_BOOT_FALLBACK: { message: 'fell back to version %s after installing %s' },
  ROADCAST_ERR_BOOT_UNHEALTHY: { message: 'unhealthy boot of version %s' },

  // Sticky routing (libs/routing).
  ROADCAST_ERR_NO_ACTIVE_POOL: { message: 'no active edge pool', status: 409, reason: 0x88 },
  ROADCAST_ERR_UNKNOWN_POOL: { message: 'unknown edge pool "%s"', status: 404 },
  ROADCAST_ERR_UNKNOWN_VEHICLE: { message: 'unknown vehicle "%s"', status: 404 },

  // Publishing to edge brokers (apps/bridge), recorded on deliveries.
  ROADCAST_ERR_NO_BROKER: { message: 'no active edge broker for the vehicle', reason: 0x88 },
  ROADCAST_ERR_BROKER_UNAVAILABLE: {
    message: 'the edge broker is not connected or its circuit is open',
    reason: 0x88,
  },
  ROADCAST_ERR_PUBLISH_TIMEOUT: { message: 'the edge broker did not acknowledge in time' },
  ROADCAST_ERR_PUBLISH_REFUSED: { message: 'the edge broker refused the notice' },
  ROADCAST_ERR_LINK_CLOSED: {
    message: 'the connection closed before the broker acknowledged',
  },

  // Roadcast's own MQTT client side (libs/mqtt); a broker's reason travels with the error.
  ROADCAST_ERR_MQTT_CONNECT_REFUSED: { message: 'the broker refused the connection' },
  ROADCAST_ERR_MQTT_CONNECT_TIMEOUT: { message: 'the broker did not answer CONNECT in time' },
  ROADCAST_ERR_MQTT_PROTOCOL: { message: 'the broker broke the MQTT protocol' },
  ROADCAST_ERR_MQTT_KEEPALIVE: { message: 'the broker stopped answering keepalive pings' },
  ROADCAST_ERR_MQTT_CLOSED: { message: 'the connection to the broker closed' },
  ROADCAST_ERR_MQTT_INVALID_PUBLISH: {
    message: 'the message cannot be sent as an MQTT PUBLISH',
  },

  // What the router answers a vehicle with (apps/router refusals).
  ROADCAST_ERR_UNSUPPORTED_PROTOCOL: { message: 'unsupported protocol version', reason: 0x84 },
  ROADCAST_ERR_CLIENT_ID_INVALID: {
    message: 'the client id is not the vehicle id',
    reason: 0x85,
  },
  ROADCAST_ERR_BAD_CREDENTIALS: {
    message: 'the user name is not the vehicle id',
    reason: 0x86,
  },
  ROADCAST_ERR_SHUTTING_DOWN: { message: 'the router is shutting down', reason: 0x8b },
  ROADCAST_ERR_QUOTA_EXCEEDED: { message: 'no more connections accepted', reason: 0x97 },
  ROADCAST_ERR_CONNECTION_RATE: { message: 'connection rate exceeded', reason: 0x9f },
  ROADCAST_ERR_MALFORMED_PACKET: { message: 'malformed MQTT packet', reason: 0x81 },
  ROADCAST_ERR_PROTOCOL_ERROR: { message: 'MQTT protocol error', reason: 0x82 },
  ROADCAST_ERR_TOPIC_NAME_INVALID: { message: 'topic name not allowed', reason: 0x90 },
  ROADCAST_ERR_TOPIC_FILTER_INVALID: { message: 'topic filter not allowed', reason: 0x8f },
  ROADCAST_ERR_SHARED_SUBSCRIPTION: {
    message: 'shared subscriptions are not supported',
    reason: 0x9e,
  },

  // The fleet PKI (libs/pki).
  ROADCAST_ERR_PKI_UNSUPPORTED_KEY: { message: 'only EC P-256 keys are supported' },
  ROADCAST_ERR_PKI_MALFORMED: { message: '%s' },
  ROADCAST_ERR_PKI_INVALID_REQUEST: { message: '%s' },
  ROADCAST_ERR_PKI_KEY_MISMATCH: { message: 'the CA key does not belong to the CA certificate' },

  // Notice signing keys (libs/signing).
  ROADCAST_ERR_SIGNING_KEY_ID: { message: 'invalid key id %s' },
  ROADCAST_ERR_SIGNING_KEY_TYPE: { message: '%s is %s, not ed25519' },
} as const satisfies Record<`ROADCAST_ERR_${string}`, ErrorEntry>;

export type RoadcastErrorCode = keyof typeof ERROR_TABLE;
