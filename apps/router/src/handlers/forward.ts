import type { FramedPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/** Acknowledgements and pings pass unchanged, as the bytes they arrived as. */
export function forwardToBroker(conn: RelayConnection, framed: FramedPacket): void {
  conn.sendToBroker(framed.raw);
}

export function forwardToVehicle(conn: RelayConnection, framed: FramedPacket): void {
  conn.sendToVehicle(framed.raw);
}

/** A packet type only a server sends (CONNACK, SUBACK, …) or AUTH, which the router does not offer. */
export function protocolErrorFromVehicle(conn: RelayConnection, framed: FramedPacket): void {
  conn.refuse('protocol-error', `unexpected ${framed.packet.cmd}`);
}
