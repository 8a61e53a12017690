import { mqttReasonOf, type MqttErrorCode } from '@roadcast/contracts';

/**
 * Every reason the router refuses something, with the code of the error table whose MQTT 5
 * reason code it answers with (null: closed without an answer). The names are the `reason`
 * label of roadcast_router_refusals_total and of the logs.
 */
export const REFUSAL_CODES = {
  // Before TLS: the address is not welcome, or the router cannot take one more connection
  // that is not identified yet; the socket is closed without a word.
  'network-denied': null,
  banned: null,
  'preauth-saturated': null,
  'preauth-address-saturated': null,
  'proxy-untrusted': null,
  'proxy-missing': null,
  'proxy-invalid': null,
  'proxy-timeout': null,
  // At CONNECT.
  'connect-timeout': null,
  'unsupported-protocol': 'ROADCAST_ERR_UNSUPPORTED_PROTOCOL',
  'no-certificate': 'ROADCAST_ERR_UNAUTHORIZED',
  'certificate-rejected': 'ROADCAST_ERR_UNAUTHORIZED',
  'no-vehicle-id': 'ROADCAST_ERR_UNAUTHORIZED',
  'bad-vehicle-id': 'ROADCAST_ERR_UNAUTHORIZED',
  'client-id-mismatch': 'ROADCAST_ERR_CLIENT_ID_INVALID',
  'username-mismatch': 'ROADCAST_ERR_BAD_CREDENTIALS',
  'will-not-authorized': 'ROADCAST_ERR_FORBIDDEN',
  'connection-rate': 'ROADCAST_ERR_CONNECTION_RATE',
  'ip-connection-rate': 'ROADCAST_ERR_CONNECTION_RATE',
  'max-connections': 'ROADCAST_ERR_QUOTA_EXCEEDED',
  // 3.1.1 only: 5.0 gets the bound as Server Keep Alive instead; return code 5.
  'keep-alive-not-allowed': 'ROADCAST_ERR_FORBIDDEN',
  'no-broker': 'ROADCAST_ERR_NO_BROKER',
  'shutting-down': 'ROADCAST_ERR_SHUTTING_DOWN',
  // Any time.
  'packet-too-large': 'ROADCAST_ERR_PAYLOAD_TOO_LARGE',
  malformed: 'ROADCAST_ERR_MALFORMED_PACKET',
  'protocol-error': 'ROADCAST_ERR_PROTOCOL_ERROR',
  'topic-name-invalid': 'ROADCAST_ERR_TOPIC_NAME_INVALID',
  'publish-not-authorized': 'ROADCAST_ERR_FORBIDDEN',
  'subscribe-not-authorized': 'ROADCAST_ERR_FORBIDDEN',
  'subscribe-invalid': 'ROADCAST_ERR_TOPIC_FILTER_INVALID',
  'shared-subscription': 'ROADCAST_ERR_SHARED_SUBSCRIPTION',
  'message-rate': 'ROADCAST_ERR_RATE_LIMITED',
} as const satisfies Record<string, MqttErrorCode | null>;

export type Refusal = keyof typeof REFUSAL_CODES;

/** The MQTT 5 reason code each refusal answers with, from the error table. */
export const REFUSALS = Object.fromEntries(
  Object.entries(REFUSAL_CODES).map(([refusal, code]) => [
    refusal,
    code === null ? null : mqttReasonOf(code),
  ]),
) as Record<Refusal, number | null>;

type AnsweredRefusal = {
  [R in Refusal]: (typeof REFUSAL_CODES)[R] extends null ? never : R;
}[Refusal];

/** The reason code of a refusal that is answered (CONNACK, PUBACK, SUBACK, DISCONNECT). */
export function refusalReason(refusal: AnsweredRefusal): number {
  return mqttReasonOf(REFUSAL_CODES[refusal]);
}

/**
 * Refusals before a session exists that are the router's own state, not the client's doing:
 * everything else refused before a session (authentication, a CONNECT deadline missed, a
 * malformed or oversized CONNECT) counts towards a temporary ban of the address.
 */
const NOT_THE_CLIENTS_FAULT: ReadonlySet<Refusal> = new Set([
  'connection-rate',
  'ip-connection-rate',
  'max-connections',
  'no-broker',
  'shutting-down',
]);

export function countsTowardBan(refusal: Refusal): boolean {
  return !NOT_THE_CLIENTS_FAULT.has(refusal);
}
