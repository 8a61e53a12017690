import type { RawPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/** The broker ends the session (e.g. 0x8E session taken over): the vehicle hears why, then both close. */
export function handleBrokerDisconnect(conn: RelayConnection, packet: RawPacket): void {
  // A 5.0 DISCONNECT's reason code is the byte after the fixed header, when there is one.
  const reasonCode = conn.protocolVersion === 5 ? (packet.raw[packet.bodyOffset] ?? 0) : undefined;
  conn.close(
    `broker-disconnect${reasonCode !== undefined ? `-0x${reasonCode.toString(16)}` : ''}`,
    undefined,
    packet.raw,
  );
}
