import { topicFilterProblem, type RawPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/** UNSUBSCRIBE cannot widen anything; it only has to be well formed. */
export function handleUnsubscribe(conn: RelayConnection, packet: RawPacket): void {
  const decoded = conn.decode(packet.raw);
  if (decoded?.cmd !== 'unsubscribe') return;
  const bad = decoded.unsubscriptions.find((filter) => topicFilterProblem(filter) !== null);
  // [MQTT-3.10.3-2] the filters are UTF-8 encoded strings: a malformed one ends the connection.
  if (bad !== undefined) conn.refuse('protocol-error', 'invalid topic filter in UNSUBSCRIBE');
  else conn.sendToBroker(packet.raw);
}
