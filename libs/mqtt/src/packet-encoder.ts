import * as mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

export type ProtocolVersion = 3 | 4 | 5;

/**
 * Encodes one packet with mqtt-packet for the given protocol version: a CONNECT for a broker,
 * a SUBSCRIBE, a trimmed SUBSCRIBE, a CONNACK. Packets sent in bulk are better pre-encoded.
 */
export function encodePacket(packet: Packet, version: ProtocolVersion): Buffer {
  return mqttPacket.generate(packet, { protocolVersion: version });
}
