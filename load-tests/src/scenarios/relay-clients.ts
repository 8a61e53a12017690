import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { getTestPki } from '@roadcast/testing';
import { benchVehicle } from './router-rig.js';

/** How a vehicle reaches the edge broker in the relay benchmarks. */
export type Path = 'direct' | 'haproxy' | 'router';

/**
 * An MQTT.js vehicle on one path: plain TCP straight to Mosquitto, or mTLS with bench vehicle
 * `index`'s certificate through HAProxy or the router. Helper module: it exports no scenario.
 */
export function connectVehicle(
  path: Path,
  ports: Record<Path, number>,
  index: number,
): Promise<MqttClient> {
  const cert = benchVehicle(index);
  const common: IClientOptions = {
    protocolVersion: 5,
    clientId: cert.vehicleId,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  };
  if (path === 'direct')
    return mqtt.connectAsync({
      ...common,
      host: '127.0.0.1',
      port: ports.direct,
      protocol: 'mqtt',
    });
  return mqtt.connectAsync({
    ...common,
    host: '127.0.0.1',
    port: ports[path],
    protocol: 'mqtts',
    servername: 'localhost',
    ca: getTestPki().ca,
    key: cert.key,
    cert: cert.cert,
  });
}
