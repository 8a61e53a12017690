import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  PUBLISH_LOST,
  Qos1Publisher,
  type PublishBatch,
  type PublishProperties,
} from '@roadcast/mqtt';
import type { BrokerCredentials } from './broker-credentials.js';

export type { PublishProperties };

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
  /** Publish→PUBACK time of every acknowledged notice, in milliseconds. */
  onAckLatency?(ms: number): void;
}

/** PUBACK reason 0x10: accepted, but no session holds a matching subscription. */
export const NO_MATCHING_SUBSCRIBERS = 0x10;

/**
 * A few MQTT 5 connections to one edge broker, each a QoS 1 publisher whose window follows
 * the broker's Receive Maximum. A batch is split over the connections that are up and
 * resolves with one code per notice: the PUBACK reason code, or a negative code when the
 * broker never answered. Nothing waits for a reconnect: with no connection up every notice
 * fails at once, and a dropped connection fails what it had not had acknowledged, so the
 * caller can give the work back to the queue.
 */
export class BrokerLink {
  readonly brokerId: string;
  readonly url: string;
  private readonly publishers: Qos1Publisher[] = [];
  private closed = false;

  constructor(options: BrokerLinkOptions) {
    this.brokerId = options.brokerId;
    this.url = options.url;
    const suffix = randomBytes(4).toString('hex');
    const log = options.logger;
    for (let i = 0; i < Math.max(1, options.connections); i += 1) {
      const clientId = `${options.clientIdPrefix}-${options.brokerId}-${i}-${suffix}`;
      this.publishers.push(
        new Qos1Publisher({
          session: {
            url: options.url,
            clientId,
            username: options.credentials?.username,
            password: options.credentials?.password,
            keepaliveSeconds: 10,
            connectTimeoutMs: 5_000,
          },
          maxInflight: options.inflight,
          ackTimeoutMs: options.publishTimeoutMs,
          reconnectMinMs: 500,
          reconnectMaxMs: 5_000,
          ...(options.onAckLatency ? { onAckLatency: options.onAckLatency } : {}),
          onConnect: (connack) =>
            log.debug(
              { brokerId: this.brokerId, clientId, receiveMaximum: connack.receiveMaximum },
              'edge broker connected',
            ),
          onDisconnect: (err) =>
            log.debug(
              { brokerId: this.brokerId, clientId, err: err.message },
              'edge broker connection lost',
            ),
        }),
      );
    }
  }

  get connected(): boolean {
    return this.publishers.some((p) => p.connected);
  }

  /** Resolves true once any connection is up, or false after `timeoutMs`. */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.connected) return true;
    if (this.closed) return false;
    return Promise.race(this.publishers.map((p) => p.waitConnected(timeoutMs)));
  }

  /** Publishes awaiting a PUBACK across this broker's connections. */
  get inflight(): number {
    return this.publishers.reduce((sum, p) => sum + p.inflight, 0);
  }

  /** One code per packet of the batch; see the class comment. */
  async publish(batch: PublishBatch): Promise<Int16Array> {
    const codes = new Int16Array(batch.count).fill(PUBLISH_LOST);
    const up = this.closed ? [] : this.publishers.filter((p) => p.connected);
    if (up.length === 0 || batch.count === 0) return codes;
    // Contiguous shares keep each connection's part of the batch one run of bytes.
    const share = Math.ceil(batch.count / up.length);
    await Promise.all(
      up.map((p, i) => p.publish(batch, i * share, Math.min(batch.count, (i + 1) * share), codes)),
    );
    return codes;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.publishers.map((p) => p.close()));
  }
}
