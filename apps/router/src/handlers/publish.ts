import { ReasonCode, pubackWith, type FramedPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';

/** A vehicle PUBLISH reaches the broker only on a topic its role may publish to. */
export function handlePublish(conn: RelayConnection, framed: FramedPacket): void {
  const packet = framed.packet;
  if (packet.cmd !== 'publish' || !conn.vehicleId) return;
  let topic = packet.topic;
  const alias = packet.properties?.topicAlias;
  if (alias !== undefined) {
    // [MQTT-3.3.2-8] an empty topic name with an alias means the topic the alias was set to.
    if (topic === '') {
      const known = conn.topicAliases.get(alias);
      if (known === undefined) {
        conn.refuse('protocol-error', 'unknown topic alias');
        return;
      }
      topic = known;
    }
  }
  const decision = conn.topics().publish(topic);
  if (decision === 'allowed') {
    if (alias !== undefined && packet.topic !== '') conn.topicAliases.set(alias, packet.topic);
    conn.sendToBroker(framed.raw);
    return;
  }
  if (decision !== 'not-authorized') {
    // [MQTT-3.3.2-2] wildcards, [MQTT-1.5.4-1] bad UTF-8 and the like end the connection.
    conn.refuse('topic-name-invalid', decision);
    return;
  }
  if (conn.protocolVersion === 5 && packet.qos === 1) {
    // 5.0 can say no to one message and keep the connection.
    conn.deny('publish-not-authorized', topic);
    conn.sendToVehicle(pubackWith(packet.messageId ?? 0, ReasonCode.notAuthorized));
  } else if (conn.protocolVersion === 5 && packet.qos === 0) {
    conn.deny('publish-not-authorized', topic);
  } else {
    // 3.1.1 has no negative PUBACK, and QoS 2 would leave a half-finished exchange: close.
    conn.refuse('publish-not-authorized', topic);
  }
}
