import { decodePacket, packetIdOf, subackWith, type Packet, type RawPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/**
 * A broker SUBACK for a SUBSCRIBE the router trimmed: the broker's codes fill the places of
 * the filters it saw, in order, and the router's refusals keep theirs. Any other SUBACK
 * passes as it came.
 */
export function handleSuback(conn: RelayConnection, packet: RawPacket): void {
  const messageId = packetIdOf(packet);
  const template = messageId === undefined ? undefined : conn.pendingSubscribes?.get(messageId);
  let decoded: Packet | undefined;
  try {
    decoded = template ? decodePacket(packet.raw, conn.protocolVersion) : undefined;
  } catch (err) {
    conn.close('broker-malformed', err as Error);
    return;
  }
  if (!template || decoded?.cmd !== 'suback') {
    conn.sendToVehicle(packet.raw);
    return;
  }
  conn.pendingSubscribes?.delete(messageId!);
  const fromBroker = (decoded.granted as number[]).slice();
  const merged = template.map((code) => (code === null ? (fromBroker.shift() ?? 0x80) : code));
  conn.sendToVehicle(subackWith(conn.protocolVersion, messageId!, merged));
}
