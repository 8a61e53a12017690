import type tls from 'node:tls';
import type { IConnackPacket } from 'mqtt-packet';
import { dialBroker, type BrokerHandshake } from './broker-dial.js';
import { MqttClientError } from './client-errors.js';
import { encodePacket } from './packet-encoder.js';

// The opening of Roadcast's own MQTT 5 client sessions: CONNECT from options, CONNACK's terms.

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
  /** Incoming QoS 1 publishes the broker may leave unacknowledged by us [MQTT-3.3.4-9]. */
  receiveMaximum?: number | undefined;
  cleanStart?: boolean;
  sessionExpiryInterval?: number;
  /** For `mqtts:` (CA, client certificate, servername…). */
  tls?: tls.ConnectionOptions;
  /** Gives up a connection attempt under way. */
  signal?: AbortSignal | undefined;
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

export const DEFAULT_MAX_PACKET = 1024 * 1024;

/** CONNECT for an MQTT 5 session, telling the broker the largest packet we take. */
export function connectPacket(options: MqttSessionOptions, maximumPacketSize: number): Buffer {
  return encodePacket(
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
        ...(options.receiveMaximum !== undefined ? { receiveMaximum: options.receiveMaximum } : {}),
        maximumPacketSize,
      },
    },
    5,
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

/** Dials and completes CONNECT/CONNACK; a refusal (reason ≥ 0x80) rejects with its reason code. */
export async function openSession(options: MqttSessionOptions): Promise<BrokerHandshake> {
  const maxPacketSize = options.maximumPacketSize ?? DEFAULT_MAX_PACKET;
  const opened = await dialBroker({
    url: options.url,
    connect: connectPacket(options, maxPacketSize),
    protocolVersion: 5,
    timeoutMs: options.connectTimeoutMs ?? 10_000,
    maxPacketSize,
    tls: options.tls,
    signal: options.signal,
  });
  const reason = opened.connack.reasonCode ?? 0;
  if (reason >= 0x80) {
    opened.socket.destroy();
    throw new MqttClientError(
      'ROADCAST_ERR_MQTT_CONNECT_REFUSED',
      `reason 0x${reason.toString(16)}`,
      reason,
    );
  }
  return opened;
}
