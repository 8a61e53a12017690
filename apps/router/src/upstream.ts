import { dialBroker, type BrokerHandshake } from '@roadcast/mqtt';

/**
 * The broker's side of a relayed session right after its CONNACK: the socket paused, the
 * CONNACK as sent and decoded, and what followed it already framed.
 */
export type UpstreamSession = BrokerHandshake;

// Whatever a broker sends is bounded too; its packets are relayed to vehicles whose own
// limit applies at the vehicle, so this only guards the router's memory.
const BROKER_MAX_PACKET = 268_435_460;

/**
 * Opens a connection to an edge broker, sends the CONNECT prepared for it and waits for the
 * CONNACK (libs/mqtt's broker handshake). A refusing CONNACK is handed back like an
 * accepting one, for the vehicle to receive as the broker sent it; the relay then takes the
 * socket over, so no byte is lost between this handshake and the relay.
 */
export function openUpstream(options: {
  url: string;
  connect: Buffer;
  protocolVersion: 4 | 5;
  timeoutMs: number;
}): Promise<UpstreamSession> {
  return dialBroker({ ...options, maxPacketSize: BROKER_MAX_PACKET });
}
