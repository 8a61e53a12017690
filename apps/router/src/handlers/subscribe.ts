import { encodePacket, subackWith, type ISubscribePacket, type RawPacket } from '@roadcast/mqtt';
import type { TopicDecision } from '@roadcast/policy';
import { refusalReason, type Refusal } from '../refusals.js';
import type { RelayConnection } from '../relay-connection.js';

function refusalFor(decision: TopicDecision): { refusal: Refusal; code: number } {
  if (decision === 'not-authorized')
    return { refusal: 'subscribe-not-authorized', code: refusalReason('subscribe-not-authorized') };
  if (decision === 'shared-not-supported') {
    return { refusal: 'shared-subscription', code: refusalReason('shared-subscription') };
  }
  return { refusal: 'subscribe-invalid', code: refusalReason('subscribe-invalid') };
}

/**
 * Each filter is checked against the role's patterns. Brokers such as Mosquitto grant a
 * forbidden SUBSCRIBE and filter later, so the router answers refusals itself: all refused →
 * the router sends the SUBACK; some refused → the broker gets the allowed ones and its
 * SUBACK is completed with the router's codes (see suback.ts).
 */
export function handleSubscribe(conn: RelayConnection, raw: RawPacket): void {
  const vehicleId = conn.vehicleId;
  if (!vehicleId) return;
  const decoded = conn.decode(raw.raw);
  if (decoded?.cmd !== 'subscribe') return;
  const packet: ISubscribePacket = decoded;
  const topics = conn.ctx.policy.current.topics;
  const messageId = packet.messageId ?? 0;
  const codes: Array<number | null> = packet.subscriptions.map((sub) => {
    const decision = topics.subscribe(conn.role, vehicleId, sub.topic);
    if (decision === 'allowed') return null;
    const { refusal, code } = refusalFor(decision);
    conn.deny(refusal, sub.topic);
    return code;
  });
  const allowed = packet.subscriptions.filter((_, i) => codes[i] === null);
  if (allowed.length === packet.subscriptions.length) {
    conn.sendToBroker(raw.raw);
    return;
  }
  if (allowed.length === 0) {
    conn.sendToVehicle(subackWith(conn.protocolVersion, messageId, codes as number[]));
    return;
  }
  (conn.pendingSubscribes ??= new Map()).set(messageId, codes);
  const subset: ISubscribePacket = {
    cmd: 'subscribe',
    messageId,
    subscriptions: allowed,
    ...(packet.properties ? { properties: packet.properties } : {}),
  };
  conn.sendToBroker(encodePacket(subset, conn.protocolVersion));
}
