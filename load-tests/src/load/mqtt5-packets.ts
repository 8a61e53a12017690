import * as mqttPacket from 'mqtt-packet';

/** MQTT 5 packets the benchmark's raw-socket clients send, encoded by `mqtt-packet`. */

/** CONNECT with a clean start; keep alive 0 leaves an idle session alone. */
export function connectPacket(clientId: string, keepalive = 0): Buffer {
  return mqttPacket.generate(
    { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive, clientId },
    { protocolVersion: 5 },
  );
}
