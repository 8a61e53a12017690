import type { RawPacket } from '@roadcast/mqtt';
import { establishSession } from '../session-setup.js';
import type { RelayConnection } from '../relay-connection.js';

/** CONNECT: the first packet opens the session; any later one is a protocol error. */
export function handleConnect(conn: RelayConnection, packet: RawPacket): void {
  if (conn.state !== 'awaiting-connect') {
    // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
    conn.refuse('protocol-error', 'second CONNECT');
    return;
  }
  const connect = conn.decode(packet.raw);
  if (connect?.cmd !== 'connect') return;
  establishSession(conn, connect).catch((err: unknown) => {
    conn.log.error({ err }, 'session setup failed');
    conn.refuse('no-broker', 'internal error');
  });
}
