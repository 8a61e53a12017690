import type { FramedPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/**
 * The vehicle leaves: its DISCONNECT goes to the broker (so a will is not sent and, in 5.0,
 * a changed session expiry applies), then both sides are closed.
 */
export function handleVehicleDisconnect(conn: RelayConnection, framed: FramedPacket): void {
  conn.sendToBroker(framed.raw);
  conn.close('vehicle-disconnect');
}
