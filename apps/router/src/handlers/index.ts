import { PACKET_TYPE_NAMES, PacketType, type RawPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';
import { handleBrokerDisconnect } from './broker-disconnect.js';
import { handleConnect } from './connect.js';
import { handleVehicleDisconnect } from './disconnect.js';
import {
  forwardAcknowledgement,
  forwardToBroker,
  forwardToVehicle,
  protocolErrorFromVehicle,
} from './forward.js';
import { handlePublish } from './publish.js';
import { handleSuback } from './suback.js';
import { handleSubscribe } from './subscribe.js';
import { handleUnsubscribe } from './unsubscribe.js';

export type PacketHandler = (conn: RelayConnection, packet: RawPacket) => void;

function table(entries: Partial<Record<keyof typeof PacketType, PacketHandler>>): PacketHandler[] {
  const handlers: PacketHandler[] = [];
  for (const [name, handler] of Object.entries(entries))
    handlers[PacketType[name as keyof typeof PacketType]] = handler;
  return handlers;
}

/** What the router does with each packet type a vehicle sends. */
const fromVehicle = table({
  connect: handleConnect,
  publish: handlePublish,
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  puback: forwardAcknowledgement,
  pubrec: forwardAcknowledgement,
  pubrel: forwardAcknowledgement,
  pubcomp: forwardAcknowledgement,
  pingreq: forwardToBroker,
  disconnect: handleVehicleDisconnect,
});

/**
 * What the router does with each packet type a broker sends on a relayed session. Most only
 * need framing: the broker is on the private network and its bytes go to the vehicle as
 * they are.
 */
const fromBroker = table({
  suback: handleSuback,
  disconnect: handleBrokerDisconnect,
  publish: forwardToVehicle,
  puback: forwardToVehicle,
  pubrec: forwardToVehicle,
  pubrel: forwardToVehicle,
  pubcomp: forwardToVehicle,
  unsuback: forwardToVehicle,
  pingresp: forwardToVehicle,
});

export function dispatchFromVehicle(conn: RelayConnection, packet: RawPacket): void {
  // [MQTT-3.1.0-1] the first packet is CONNECT; anything else before it closes the connection.
  if (conn.state === 'awaiting-connect' && packet.type !== PacketType.connect) {
    conn.refuse('protocol-error', `${PACKET_TYPE_NAMES[packet.type]} before CONNECT`);
    return;
  }
  (fromVehicle[packet.type] ?? protocolErrorFromVehicle)(conn, packet);
}

export function dispatchFromBroker(conn: RelayConnection, packet: RawPacket): void {
  const handler = fromBroker[packet.type];
  if (handler) handler(conn, packet);
  else
    conn.close(
      'broker-protocol-error',
      new Error(`broker sent ${PACKET_TYPE_NAMES[packet.type]} on a relayed session`),
    );
}
