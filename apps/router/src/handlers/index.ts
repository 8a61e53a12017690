import type { FramedPacket } from '@roadcast/mqtt';
import type { RelayConnection } from '../relay-connection.js';
import { handleConnect } from './connect.js';
import { handleVehicleDisconnect } from './disconnect.js';
import { forwardToBroker, forwardToVehicle, protocolErrorFromVehicle } from './forward.js';
import { handlePublish } from './publish.js';
import { handleSuback } from './suback.js';
import { handleBrokerDisconnect } from './broker-disconnect.js';
import { handleSubscribe } from './subscribe.js';
import { handleUnsubscribe } from './unsubscribe.js';

export type PacketHandler = (conn: RelayConnection, framed: FramedPacket) => void;

/** What the router does with each packet type a vehicle sends. */
const fromVehicle: Record<string, PacketHandler> = {
  connect: handleConnect,
  publish: handlePublish,
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  puback: forwardToBroker,
  pubrec: forwardToBroker,
  pubrel: forwardToBroker,
  pubcomp: forwardToBroker,
  pingreq: forwardToBroker,
  disconnect: handleVehicleDisconnect,
};

/** What the router does with each packet type a broker sends on a relayed session. */
const fromBroker: Record<string, PacketHandler> = {
  suback: handleSuback,
  disconnect: handleBrokerDisconnect,
  publish: forwardToVehicle,
  puback: forwardToVehicle,
  pubrec: forwardToVehicle,
  pubrel: forwardToVehicle,
  pubcomp: forwardToVehicle,
  unsuback: forwardToVehicle,
  pingresp: forwardToVehicle,
};

export function dispatchFromVehicle(conn: RelayConnection, framed: FramedPacket): void {
  // [MQTT-3.1.0-1] the first packet is CONNECT; anything else before it closes the connection.
  if (conn.state === 'awaiting-connect' && framed.packet.cmd !== 'connect') {
    conn.refuse('protocol-error', `${framed.packet.cmd} before CONNECT`);
    return;
  }
  (fromVehicle[framed.packet.cmd] ?? protocolErrorFromVehicle)(conn, framed);
}

export function dispatchFromBroker(conn: RelayConnection, framed: FramedPacket): void {
  const handler = fromBroker[framed.packet.cmd];
  if (handler) handler(conn, framed);
  else
    conn.close(
      'broker-protocol-error',
      new Error(`broker sent ${framed.packet.cmd} on a relayed session`),
    );
}
