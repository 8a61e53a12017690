import { randomBytes } from 'node:crypto';
import mqtt, { type IClientPublishOptions, type MqttClient, type Packet } from 'mqtt';
import type { Logger } from 'pino';
import { BridgeError } from './bridge-errors.js';
import type { BrokerCredentials } from './broker-credentials.js';
import { InflightWindow } from './inflight-window.js';

export interface BrokerLinkOptions {
  brokerId: string;
  url: string;
  connections: number;
  /** Our own cap on unacknowledged publishes per connection. */
  inflight: number;
  publishTimeoutMs: number;
  clientIdPrefix: string;
  /** The bridge's identity on edge brokers. */
  credentials?: BrokerCredentials;
  logger: Logger;
}

export type PublishProperties = NonNullable<IClientPublishOptions['properties']>;

interface Connection {
  client: MqttClient;
  window: InflightWindow;
  /** PUBACK reason codes by packet id, read by the publish callback that follows. */
  reasons: Map<number, number>;
}

/** PUBACK reason 0x10: accepted, but no session holds a matching subscription. */
export const NO_MATCHING_SUBSCRIBERS = 0x10;

/**
 * A few MQTT 5 connections to one edge broker. Each publish waits for a free slot in the
 * connection's window (never more than the broker's receive maximum), then for the PUBACK,
 * and resolves with its reason code. A publish never waits for a reconnect: when no
 * connection is up it fails at once, and when a connection drops its unacknowledged
 * publishes fail, so the caller can give the work back to the queue.
 */
export class BrokerLink {
  readonly brokerId: string;
  readonly url: string;
  private readonly options: BrokerLinkOptions;
  private readonly connections: Connection[] = [];
  private next = 0;
  private closed = false;

  constructor(options: BrokerLinkOptions) {
    this.options = options;
    this.brokerId = options.brokerId;
    this.url = options.url;
    const suffix = randomBytes(4).toString('hex');
    for (let i = 0; i < Math.max(1, options.connections); i += 1) {
      this.connections.push(
        this.open(`${options.clientIdPrefix}-${options.brokerId}-${i}-${suffix}`),
      );
    }
  }

  get connected(): boolean {
    return this.connections.some((c) => c.client.connected);
  }

  /** Resolves true once any connection is up, or false after `timeoutMs`. */
  waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.connected) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onConnect = () => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        for (const c of this.connections) c.client.off('connect', onConnect);
        resolve(ok);
      };
      for (const c of this.connections) c.client.once('connect', onConnect);
    });
  }

  private open(clientId: string): Connection {
    const client = mqtt.connect(this.options.url, {
      protocolVersion: 5,
      clientId,
      ...this.options.credentials,
      clean: true,
      keepalive: 10,
      connectTimeout: 5_000,
      reconnectPeriod: 1_000,
      queueQoSZero: false,
      resubscribe: false,
    });
    const connection: Connection = {
      client,
      window: new InflightWindow(this.options.inflight),
      reasons: new Map(),
    };
    client.on('connect', (connack) => {
      // [MQTT-3.3.4-9] never exceed the receive maximum the server announced.
      const receiveMaximum = connack.properties?.receiveMaximum ?? 65_535;
      connection.window.resize(Math.min(this.options.inflight, receiveMaximum));
      this.options.logger.debug(
        { brokerId: this.brokerId, clientId, receiveMaximum },
        'edge broker connected',
      );
    });
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) {
        connection.reasons.set(packet.messageId, packet.reasonCode ?? 0);
      }
    });
    client.on('close', () => {
      // Fail what is waiting for a PUBACK now rather than re-sending it after a reconnect.
      for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
      connection.reasons.clear();
    });
    client.on('error', (err) => {
      this.options.logger.debug(
        { brokerId: this.brokerId, err: err.message },
        'edge broker connection error',
      );
    });
    return connection;
  }

  private pick(): Connection | undefined {
    let best: Connection | undefined;
    for (let i = 0; i < this.connections.length; i += 1) {
      const c = this.connections[(this.next + i) % this.connections.length]!;
      if (!c.client.connected) continue;
      if (!best || c.window.free > best.window.free) best = c;
    }
    this.next = (this.next + 1) % this.connections.length;
    return best;
  }

  /** Publishes awaiting a PUBACK across this broker's connections. */
  get inflight(): number {
    return this.connections.reduce((sum, c) => sum + c.window.inUse, 0);
  }

  /** Publishes with QoS 1 and resolves with the PUBACK reason code (0x00 or 0x10). */
  async publish(topic: string, payload: Buffer, properties: PublishProperties): Promise<number> {
    const connection = this.pick();
    if (this.closed || !connection)
      throw new BridgeError('ROADCAST_ERR_BROKER_UNAVAILABLE', this.brokerId);
    await connection.window.acquire();
    if (!connection.client.connected) {
      connection.window.release();
      throw new BridgeError('ROADCAST_ERR_BROKER_UNAVAILABLE', this.brokerId);
    }
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new BridgeError('ROADCAST_ERR_PUBLISH_TIMEOUT', this.brokerId));
      }, this.options.publishTimeoutMs);
      connection.client.publish(topic, payload, { qos: 1, properties }, (err, packet) => {
        // The window slot is held until the broker answers or the connection drops, even
        // after a timeout, so the receive maximum is never exceeded.
        connection.window.release();
        const messageId = packet?.messageId;
        const reason = messageId !== undefined ? connection.reasons.get(messageId) : undefined;
        if (messageId !== undefined) connection.reasons.delete(messageId);
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        if (err) {
          const code = (err as { code?: number }).code;
          if (typeof code === 'number')
            reject(new BridgeError('ROADCAST_ERR_PUBLISH_REFUSED', err.message, code));
          else reject(new BridgeError('ROADCAST_ERR_LINK_CLOSED', this.brokerId));
          return;
        }
        resolve(reason ?? 0);
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.connections.map((c) => c.client.endAsync(true).catch(() => undefined)));
  }
}
