import { ReasonCode } from '@roadcast/mqtt';

/**
 * Every reason the router refuses something, with the MQTT 5 reason code it answers with.
 * The names are the `reason` label of roadcast_router_refusals_total and of the logs.
 */
export const REFUSALS = {
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
  // 3.1.1 only: 5.0 gets the bound as Server Keep Alive instead; return code 5.
  'keep-alive-not-allowed': ReasonCode.notAuthorized,
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
  'message-rate': ReasonCode.messageRateTooHigh,
} as const;

export type Refusal = keyof typeof REFUSALS;

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
