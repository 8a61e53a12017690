import { connect as connectTcp, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import type { Logger } from '@roadcast/observability';

/** One ack as it came off the wire; `release` sends its PUBACK. */
export interface IncomingAck {
  topic: string;
  payload: Buffer;
  brokerId: string;
  /** Acknowledges the message to the broker; a no-op if the connection it came on is gone. */
  release(): void;
}

export interface EdgeAckConnectionOptions {
  brokerId: string;
  /** `mqtt://host:port` of the edge broker on the private network. */
  url: string;
  clientId: string;
  /** The tracker's identity on edge brokers. */
  username?: string;
  password?: Buffer;
  /** Full filter, e.g. `$share/tracker/vehicles/+/ota/acks`. */
  filter: string;
  sessionExpirySeconds: number;
  receiveMaximum: number;
  keepaliveSeconds?: number;
  onAck(ack: IncomingAck): void;
  logger: Logger;
}

const PROTOCOL = { protocolVersion: 5 } as const;
const MAX_PACKET_SIZE = 64 * 1024;

/**
 * A minimal MQTT 5 subscriber whose PUBACKs are sent when the caller says so. MQTT.js sends
 * PUBACK as soon as its handler returns and handles one message at a time, so withholding
 * the PUBACK until a Postgres batch commits would serialize the whole stream; here every
 * message is handed over at once and acknowledged later, in bulk. The broker's flow control
 * (our Receive Maximum) bounds how many wait. Messages not acknowledged when the connection
 * drops are redelivered by the broker from the persistent session.
 */
export class EdgeAckConnection {
  private socket: Socket | undefined;
  private generation = 0;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private pendingPubacks: Buffer[] = [];
  private flushScheduled = false;
  private lastInbound = 0;
  private connectedFlag = false;
  private readonly options: EdgeAckConnectionOptions;

  constructor(options: EdgeAckConnectionOptions) {
    this.options = options;
  }

  get connected(): boolean {
    return this.connectedFlag;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Sends DISCONNECT (the session and its queued acks stay on the broker) and closes. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      this.flushPubacks();
      socket.end(mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0 }, PROTOCOL));
      setTimeout(() => socket.destroy(), 1_000).unref();
    });
  }

  private open(): void {
    const { hostname, port } = new URL(this.options.url);
    const generation = ++this.generation;
    const socket = connectTcp({ host: hostname, port: Number(port || 1883) });
    socket.setNoDelay(true);
    this.socket = socket;
    const parser = mqttPacket.parser(PROTOCOL);
    parser.on('packet', (packet: Packet) => this.onPacket(packet, generation));
    parser.on('error', (err: Error) => {
      this.options.logger.warn(
        { err, brokerId: this.options.brokerId },
        'malformed packet from broker',
      );
      socket.destroy();
    });
    socket.on('connect', () => {
      socket.write(
        mqttPacket.generate(
          {
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 5,
            clean: false,
            clientId: this.options.clientId,
            ...(this.options.username === undefined ? {} : { username: this.options.username }),
            ...(this.options.password === undefined ? {} : { password: this.options.password }),
            keepalive: this.options.keepaliveSeconds ?? 30,
            properties: {
              sessionExpiryInterval: this.options.sessionExpirySeconds,
              receiveMaximum: this.options.receiveMaximum,
              maximumPacketSize: MAX_PACKET_SIZE,
            },
          },
          PROTOCOL,
        ),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      this.lastInbound = Date.now();
      parser.parse(chunk);
    });
    socket.on('error', (err) => {
      this.options.logger.debug({ err, brokerId: this.options.brokerId }, 'edge connection error');
    });
    socket.on('close', () => this.onClose(generation));
  }

  private onPacket(packet: Packet, generation: number): void {
    if (generation !== this.generation) return;
    switch (packet.cmd) {
      case 'connack':
        return this.onConnack(packet.reasonCode ?? 0, packet.sessionPresent);
      case 'suback': {
        const refused = (packet.granted as number[]).some((code) => code >= 0x80);
        if (refused)
          this.options.logger.error(
            { brokerId: this.options.brokerId },
            'ack subscription refused',
          );
        return;
      }
      case 'publish': {
        const messageId = packet.messageId;
        const release =
          packet.qos === 1 && messageId !== undefined
            ? () => this.puback(messageId, generation)
            : () => undefined;
        this.options.onAck({
          topic: packet.topic,
          payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
          brokerId: this.options.brokerId,
          release,
        });
        return;
      }
      case 'disconnect':
        this.options.logger.warn(
          { brokerId: this.options.brokerId, reasonCode: packet.reasonCode },
          'edge broker disconnected the tracker',
        );
        this.socket?.destroy();
        return;
      default:
        return;
    }
  }

  private onConnack(reasonCode: number, sessionPresent: boolean): void {
    const socket = this.socket;
    if (!socket) return;
    if (reasonCode !== 0) {
      this.options.logger.error(
        { brokerId: this.options.brokerId, reasonCode },
        'edge broker refused the tracker',
      );
      socket.destroy();
      return;
    }
    this.attempt = 0;
    this.connectedFlag = true;
    this.options.logger.info({ brokerId: this.options.brokerId, sessionPresent }, 'consuming acks');
    // Subscribing again on a resumed session is harmless and covers a broker that lost it.
    socket.write(
      mqttPacket.generate(
        { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: this.options.filter, qos: 1 }] },
        PROTOCOL,
      ),
    );
    const keepaliveMs = (this.options.keepaliveSeconds ?? 30) * 1000;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastInbound > keepaliveMs * 1.5) {
        socket.destroy();
        return;
      }
      socket.write(mqttPacket.generate({ cmd: 'pingreq' }, PROTOCOL));
    }, keepaliveMs / 2);
    this.pingTimer.unref();
  }

  private puback(messageId: number, generation: number): void {
    // A PUBACK for a message id of an earlier connection would acknowledge something else.
    if (generation !== this.generation || !this.connectedFlag) return;
    this.pendingPubacks.push(
      mqttPacket.generate({ cmd: 'puback', messageId, reasonCode: 0 }, PROTOCOL),
    );
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPubacks());
    }
  }

  /** One write for all PUBACKs of a committed batch. */
  private flushPubacks(): void {
    this.flushScheduled = false;
    if (this.pendingPubacks.length === 0) return;
    const bytes = Buffer.concat(this.pendingPubacks);
    this.pendingPubacks = [];
    if (this.socket && !this.socket.destroyed) this.socket.write(bytes);
  }

  private onClose(generation: number): void {
    if (generation !== this.generation) return;
    this.connectedFlag = false;
    this.pendingPubacks = [];
    clearInterval(this.pingTimer);
    if (this.stopped) return;
    const ceiling = Math.min(10_000, 200 * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 20);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }
}
