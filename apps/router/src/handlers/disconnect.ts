import type { RawPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/**
 * The vehicle leaves: its DISCONNECT goes to the broker (so a will is not sent and, in 5.0,
 * a changed session expiry applies), then both sides are closed.
 */
export function handleVehicleDisconnect(conn: RelayConnection, packet: RawPacket): void {
  if (!conn.decode(packet.raw)) return;
  conn.sendToBroker(packet.raw);
  conn.close('vehicle-disconnect');
}
