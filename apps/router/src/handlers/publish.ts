import { pubackWith, readPublishHeader, type RawPacket } from '@roadcast/mqtt';
import { refusalReason } from '../refusals.js';
import type { RelayConnection } from '../relay-connection.js';

/**
 * A vehicle PUBLISH reaches the broker only on a topic its role may publish to. Only the
 * topic and packet id are read; a 5.0 PUBLISH with properties is decoded whole, since a
 * topic alias among them changes which topic it is.
 */
export function handlePublish(conn: RelayConnection, packet: RawPacket): void {
  const vehicleId = conn.vehicleId;
  if (!vehicleId) return;
  let header;
  try {
    header = readPublishHeader(packet, conn.protocolVersion);
  } catch (err) {
    conn.refuse('malformed', (err as Error).message);
    return;
  }
  let topic = header.topic;
  let alias: number | undefined;
  if (header.hasProperties) {
    const decoded = conn.decode(packet.raw);
    if (decoded?.cmd !== 'publish') return;
    alias = decoded.properties?.topicAlias;
  }
  // [MQTT-3.3.2-8] an empty topic name with an alias means the topic the alias was set to.
  if (alias !== undefined && topic === '') {
    const known = conn.topicAliases?.get(alias);
    if (known === undefined) {
      conn.refuse('protocol-error', 'unknown topic alias');
      return;
    }
    topic = known;
  }
  const decision = conn.ctx.policy.current.topics.publish(conn.role, vehicleId, topic);
  if (decision === 'allowed') {
    if (alias !== undefined && header.topic !== '')
      (conn.topicAliases ??= new Map()).set(alias, header.topic);
    conn.sendToBroker(packet.raw);
    return;
  }
  if (decision !== 'not-authorized') {
    // [MQTT-3.3.2-2] wildcards, [MQTT-1.5.4-1] bad UTF-8 and the like end the connection.
    conn.refuse('topic-name-invalid', decision);
    return;
  }
  if (conn.protocolVersion === 5 && header.qos === 1) {
    // 5.0 can say no to one message and keep the connection.
    conn.deny('publish-not-authorized', topic);
    conn.sendToVehicle(pubackWith(header.messageId ?? 0, refusalReason('publish-not-authorized')));
  } else if (conn.protocolVersion === 5 && header.qos === 0) {
    conn.deny('publish-not-authorized', topic);
  } else {
    // 3.1.1 has no negative PUBACK, and QoS 2 would leave a half-finished exchange: close.
    conn.refuse('publish-not-authorized', topic);
  }
}
