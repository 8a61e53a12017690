import { PACKET_TYPE_NAMES, isPlainAcknowledgement, type RawPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/** Pings pass unchanged, as the bytes they arrived as. */
export function forwardToBroker(conn: RelayConnection, packet: RawPacket): void {
  conn.sendToBroker(packet.raw);
}

/**
 * PUBACK, PUBREC, PUBREL and PUBCOMP pass unchanged; one carrying a reason code or
 * properties is checked by decoding it first, so a malformed one still ends the session.
 */
export function forwardAcknowledgement(conn: RelayConnection, packet: RawPacket): void {
  if (isPlainAcknowledgement(packet) || conn.decode(packet.raw)) conn.sendToBroker(packet.raw);
}

export function forwardToVehicle(conn: RelayConnection, packet: RawPacket): void {
  conn.sendToVehicle(packet.raw);
}

/** A packet type only a server sends (CONNACK, SUBACK, …) or AUTH, which the router does not offer. */
export function protocolErrorFromVehicle(conn: RelayConnection, packet: RawPacket): void {
  if (conn.decode(packet.raw))
    conn.refuse('protocol-error', `unexpected ${PACKET_TYPE_NAMES[packet.type]}`);
}
