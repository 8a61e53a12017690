import * as mqttPacket from 'mqtt-packet';
import type { BrokerCredentials } from '@roadcast/testing';

/** MQTT 5 packets the benchmark's raw-socket clients send, encoded by `mqtt-packet`. */

export interface ConnectOptions {
  /** Keep alive in seconds; 0 (default) leaves an idle session alone. */
  keepalive?: number;
  /** A user name and password, for a CONNECT that reaches a broker as it is. */
  login?: BrokerCredentials;
}

/** CONNECT with a clean start. */
export function connectPacket(clientId: string, options: ConnectOptions = {}): Buffer {
  const { keepalive = 0, login } = options;
  return mqttPacket.generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive,
      clientId,
      ...(login ? { username: login.username, password: Buffer.from(login.password) } : {}),
    },
    { protocolVersion: 5 },
  );
}
