import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { getTestPki, type BrokerCredentials } from '@roadcast/testing';
import { benchVehicle } from './router-rig.js';

/** How a vehicle reaches the edge broker in the relay benchmarks. */
export type Path = 'direct' | 'haproxy' | 'router';

/** Where each path listens, and what a vehicle needs to be let in at the broker. */
export interface RelayTargets {
  ports: Record<Path, number>;
  /**
   * The router's login. The router presents it on the vehicle's behalf; straight to Mosquitto
   * and through HAProxy (which passes the CONNECT on unchanged) the vehicle carries it itself,
   * so the broker checks the same password on every path.
   */
  brokerLogin: BrokerCredentials;
}

/**
 * An MQTT.js vehicle on one path: plain TCP straight to Mosquitto, or mTLS with bench vehicle
 * `index`'s certificate through HAProxy or the router. Helper module: it exports no scenario.
 */
export function connectVehicle(
  path: Path,
  targets: RelayTargets,
  index: number,
): Promise<MqttClient> {
  const cert = benchVehicle(index);
  const common: IClientOptions = {
    protocolVersion: 5,
    clientId: cert.vehicleId,
    ...(path === 'router' ? {} : targets.brokerLogin),
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  };
  if (path === 'direct')
    return mqtt.connectAsync({
      ...common,
      host: '127.0.0.1',
      port: targets.ports.direct,
      protocol: 'mqtt',
    });
  return mqtt.connectAsync({
    ...common,
    host: '127.0.0.1',
    port: targets.ports[path],
    protocol: 'mqtts',
    servername: 'localhost',
    ca: getTestPki().ca,
    key: cert.key,
    cert: cert.cert,
  });
}
