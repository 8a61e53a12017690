import type { FramedPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/** The broker ends the session (e.g. 0x8E session taken over): the vehicle hears why, then both close. */
export function handleBrokerDisconnect(conn: RelayConnection, framed: FramedPacket): void {
  const reasonCode = framed.packet.cmd === 'disconnect' ? framed.packet.reasonCode : undefined;
  conn.close(
    `broker-disconnect${reasonCode !== undefined ? `-0x${reasonCode.toString(16)}` : ''}`,
    undefined,
    framed.raw,
  );
}
