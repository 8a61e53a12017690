import { ReasonCode } from '@roadcast/mqtt';

/**
 * Every reason the router refuses something, with the MQTT 5 reason code it answers with.
 * The names are the `reason` label of roadcast_router_refusals_total and of the logs.
 */
export const REFUSALS = {
  // Before TLS: the address is not welcome; the socket is closed without a word.
  'network-denied': null,
  banned: null,
  // At CONNECT.
  'connect-timeout': null,
  'unsupported-protocol': ReasonCode.unsupportedProtocolVersion,
  'no-certificate': ReasonCode.notAuthorized,
  'certificate-rejected': ReasonCode.notAuthorized,
  'no-vehicle-id': ReasonCode.notAuthorized,
  'bad-vehicle-id': ReasonCode.notAuthorized,
  'client-id-mismatch': ReasonCode.clientIdentifierNotValid,
  'username-mismatch': ReasonCode.badUserNameOrPassword,
  'will-not-authorized': ReasonCode.notAuthorized,
  'connection-rate': ReasonCode.connectionRateExceeded,
  'ip-connection-rate': ReasonCode.connectionRateExceeded,
  'max-connections': ReasonCode.quotaExceeded,
  'no-broker': ReasonCode.serverUnavailable,
  'shutting-down': ReasonCode.serverShuttingDown,
  // Any time.
  'packet-too-large': ReasonCode.packetTooLarge,
  malformed: ReasonCode.malformedPacket,
  'protocol-error': ReasonCode.protocolError,
  'topic-name-invalid': ReasonCode.topicNameInvalid,
  'publish-not-authorized': ReasonCode.notAuthorized,
  'subscribe-not-authorized': ReasonCode.notAuthorized,
  'subscribe-invalid': ReasonCode.topicFilterInvalid,
  'shared-subscription': ReasonCode.sharedSubscriptionsNotSupported,
} as const;

export type Refusal = keyof typeof REFUSALS;

/** Refusals that count as an authentication failure towards a temporary ban. */
export const AUTH_FAILURES: ReadonlySet<Refusal> = new Set([
  'no-certificate',
  'certificate-rejected',
  'no-vehicle-id',
  'bad-vehicle-id',
  'client-id-mismatch',
  'username-mismatch',
]);
