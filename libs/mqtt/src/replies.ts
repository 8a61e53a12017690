import { encodePacket, type ProtocolVersion } from './packet-encoder.js';
import { SUBACK_FAILURE_V4, connackReturnCodeFor } from './reason-codes.js';

/**
 * Packets the router itself sends, each encoded for the vehicle's protocol version.
 * Reason strings are only sent to 5.0 clients and never contain identities or payloads.
 */

/** A CONNACK refusing the connection, or null where 3.1.1 expects a plain close. */
export function connackRefusal(
  version: ProtocolVersion,
  reason: number,
  reasonString?: string,
): Buffer | null {
  if (version === 5) {
    return encodePacket(
      {
        cmd: 'connack',
        sessionPresent: false,
        reasonCode: reason,
        ...(reasonString ? { properties: { reasonString } } : {}),
      },
      5,
    );
  }
  const returnCode = connackReturnCodeFor(reason);
  if (returnCode === null) return null;
  // [MQTT-3.2.2-4] session present is 0 when the return code is not 0.
  return encodePacket({ cmd: 'connack', sessionPresent: false, returnCode }, version);
}

/** A DISCONNECT with a reason, or null for 3.1.1 where only the server's close says it. */
export function disconnectWith(
  version: ProtocolVersion,
  reason: number,
  serverReference?: string,
): Buffer | null {
  if (version !== 5) return null;
  return encodePacket(
    {
      cmd: 'disconnect',
      reasonCode: reason,
      ...(serverReference ? { properties: { serverReference } } : {}),
    },
    5,
  );
}

/** A SUBACK with one code per filter: granted QoS, or the reason (5.0) / 0x80 (3.1.1). */
export function subackWith(version: ProtocolVersion, messageId: number, codes: number[]): Buffer {
  const granted = version === 5 ? codes : codes.map((c) => (c <= 2 ? c : SUBACK_FAILURE_V4));
  return encodePacket({ cmd: 'suback', messageId, granted }, version);
}

/** A PUBACK refusing a QoS 1 PUBLISH (5.0 only; 3.1.1 cannot refuse one). */
export function pubackWith(messageId: number, reason: number): Buffer {
  // Written by hand: an attacker decides how many of these the router sends.
  return Buffer.from([0x40, 0x04, messageId >> 8, messageId & 0xff, reason, 0x00]);
}
