/** MQTT 5.0 reason codes the router sends (section 2.4), by what they mean. */
export const ReasonCode = {
  success: 0x00,
  noMatchingSubscribers: 0x10,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  banned: 0x8a,
  serverShuttingDown: 0x8b,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  packetTooLarge: 0x95,
  messageRateTooHigh: 0x96,
  quotaExceeded: 0x97,
  administrativeAction: 0x98,
  useAnotherServer: 0x9c,
  serverMoved: 0x9d,
  sharedSubscriptionsNotSupported: 0x9e,
  connectionRateExceeded: 0x9f,
  maximumConnectTime: 0xa0,
  wildcardSubscriptionsNotSupported: 0xa2,
} as const;

export type ReasonCodeName = keyof typeof ReasonCode;

/** MQTT 3.1.1 CONNACK return codes (section 3.2.2.3). */
export const ConnackReturnCode = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUserNameOrPassword: 4,
  notAuthorized: 5,
} as const;

/**
 * The 3.1.1 CONNACK return code that says the most about a 5.0 refusal, or null where 3.1.1
 * has no answer and the connection is simply closed (a malformed or oversized CONNECT).
 */
export function connackReturnCodeFor(reason: number): number | null {
  switch (reason) {
    case ReasonCode.unsupportedProtocolVersion:
      return ConnackReturnCode.unacceptableProtocolVersion;
    case ReasonCode.clientIdentifierNotValid:
      return ConnackReturnCode.identifierRejected;
    case ReasonCode.badUserNameOrPassword:
      return ConnackReturnCode.badUserNameOrPassword;
    case ReasonCode.notAuthorized:
    case ReasonCode.banned:
      return ConnackReturnCode.notAuthorized;
    case ReasonCode.serverUnavailable:
    case ReasonCode.serverBusy:
    case ReasonCode.serverShuttingDown:
    case ReasonCode.quotaExceeded:
    case ReasonCode.connectionRateExceeded:
    case ReasonCode.useAnotherServer:
    case ReasonCode.serverMoved:
      return ConnackReturnCode.serverUnavailable;
    default:
      return null;
  }
}

/** A 3.1.1 SUBACK failure (section 3.9.3); 5.0 carries the reason itself. */
export const SUBACK_FAILURE_V4 = 0x80;
