import { subackWith, type FramedPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/**
 * A broker SUBACK for a SUBSCRIBE the router trimmed: the broker's codes fill the places of
 * the filters it saw, in order, and the router's refusals keep theirs.
 */
export function handleSuback(conn: RelayConnection, framed: FramedPacket): void {
  const packet = framed.packet;
  const messageId = packet.messageId ?? 0;
  const template = conn.pendingSubscribes.get(messageId);
  if (packet.cmd !== 'suback' || !template) {
    conn.sendToVehicle(framed.raw);
    return;
  }
  conn.pendingSubscribes.delete(messageId);
  const fromBroker = (packet.granted as number[]).slice();
  const merged = template.map((code) => (code === null ? (fromBroker.shift() ?? 0x80) : code));
  conn.sendToVehicle(subackWith(conn.protocolVersion, messageId, merged));
}
