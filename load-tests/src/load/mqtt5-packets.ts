import { encodePacket } from '@roadcast/mqtt';
import type { BrokerCredentials } from '@roadcast/testing';

/** MQTT 5 packets the benchmark's raw-socket clients send, encoded by libs/mqtt's encoder. */

export interface ConnectOptions {
  /** Keep alive in seconds; 0 (default) leaves an idle session alone. */
  keepalive?: number;
  /** A user name and password, for a CONNECT that reaches a broker as it is. */
  login?: BrokerCredentials;
}

/** CONNECT with a clean start. */
export function connectPacket(clientId: string, options: ConnectOptions = {}): Buffer {
  const { keepalive = 0, login } = options;
  return encodePacket(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive,
      clientId,
      ...(login ? { username: login.username, password: Buffer.from(login.password) } : {}),
    },
    5,
  );
}
