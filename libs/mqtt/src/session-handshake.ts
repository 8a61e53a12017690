import net from 'node:net';
import tls from 'node:tls';
import * as mqttPacket from 'mqtt-packet';
import type { IConnackPacket, Packet } from 'mqtt-packet';
import { MqttClientError } from './client-errors.js';

// The opening of a session (section 3.1 and 3.2): dial, CONNECT, read CONNACK.

export interface MqttSessionOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | Buffer | undefined;
  /** Seconds; 0 turns keepalive off. The broker's Server Keep Alive wins [MQTT-3.2.2-21]. */
  keepaliveSeconds?: number;
  /** Dial, TLS and CONNACK together. */
  connectTimeoutMs?: number;
  /** Largest packet accepted from the broker, announced in CONNECT [MQTT-3.1.2-24]. */
  maximumPacketSize?: number;
  cleanStart?: boolean;
  sessionExpiryInterval?: number;
  /** For `mqtts:` (CA, client certificate, servername…). */
  tls?: tls.ConnectionOptions;
}

/** What the broker's CONNACK said, with the protocol's defaults filled in. */
export interface ConnackInfo {
  sessionPresent: boolean;
  /** QoS 1 and 2 publishes the broker takes unacknowledged (default 65,535). */
  receiveMaximum: number;
  /** Largest packet the broker accepts, when it says. */
  maximumPacketSize: number | undefined;
  /** Keepalive in force, in seconds. */
  keepaliveSeconds: number;
  assignedClientIdentifier: string | undefined;
}

export const CONNACK = 0x20;
export const DEFAULT_MAX_PACKET = 1024 * 1024;

export function dial(url: URL, options: MqttSessionOptions): net.Socket {
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  if (url.protocol === 'mqtts:' || url.protocol === 'ssl:') {
    return tls.connect({
      servername: net.isIP(host) ? undefined : host,
      ...options.tls,
      host,
      port: Number(url.port || 8883),
    });
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'tcp:')
    throw new MqttClientError(
      'ROADCAST_ERR_MQTT_CONNECT_REFUSED',
      `unsupported URL scheme ${url.protocol}`,
    );
  return net.connect({ host, port: Number(url.port || 1883) });
}

/** CONNECT for a clean MQTT 5 session, telling the broker the largest packet we take. */
export function connectPacket(options: MqttSessionOptions, maximumPacketSize: number): Buffer {
  return mqttPacket.generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: options.cleanStart ?? true,
      clientId: options.clientId,
      keepalive: options.keepaliveSeconds ?? 30,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined
        ? {
            password: Buffer.isBuffer(options.password)
              ? options.password
              : Buffer.from(options.password),
          }
        : {}),
      properties: {
        sessionExpiryInterval: options.sessionExpiryInterval ?? 0,
        maximumPacketSize,
      },
    },
    { protocolVersion: 5 },
  );
}

/** The CONNACK's terms with the protocol's defaults filled in. */
export function connackInfo(connack: IConnackPacket, options: MqttSessionOptions): ConnackInfo {
  const p = connack.properties ?? {};
  return {
    sessionPresent: connack.sessionPresent,
    receiveMaximum: p.receiveMaximum ?? 65_535,
    maximumPacketSize: p.maximumPacketSize,
    keepaliveSeconds: p.serverKeepAlive ?? options.keepaliveSeconds ?? 30,
    assignedClientIdentifier: p.assignedClientIdentifier,
  };
}

/** A whole CONNACK packet, parsed; a refusal (reason ≥ 0x80) throws with its reason code. */
export function readConnack(bytes: Buffer): IConnackPacket {
  const connack = parseConnack(bytes);
  const reason = connack.reasonCode ?? 0;
  if (reason >= 0x80)
    throw new MqttClientError(
      'ROADCAST_ERR_MQTT_CONNECT_REFUSED',
      `reason 0x${reason.toString(16)}`,
      reason,
    );
  return connack;
}

function parseConnack(bytes: Buffer): IConnackPacket {
  let out: Packet | undefined;
  let error: Error | undefined;
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  parser.on('packet', (p: Packet) => (out = p));
  parser.on('error', (e: Error) => (error = e));
  parser.parse(bytes);
  if (error || out?.cmd !== 'connack')
    throw new MqttClientError(
      'ROADCAST_ERR_MQTT_PROTOCOL',
      `unreadable CONNACK${error ? `: ${error.message}` : ''}`,
    );
  return out as IConnackPacket;
}
