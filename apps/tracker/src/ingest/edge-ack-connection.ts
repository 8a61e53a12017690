import { MqttSession, type MqttClientError, type Packet } from '@roadcast/mqtt';
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
  /** Full filter(s), e.g. `$share/tracker/vehicles/+/ota/acks` (and the status reports'). */
  filter: string | readonly string[];
  sessionExpirySeconds: number;
  receiveMaximum: number;
  keepaliveSeconds?: number;
  onAck(ack: IncomingAck): void;
  logger: Logger;
}

const MAX_PACKET_SIZE = 64 * 1024;

/** One connection: its session once CONNACK came, and the PUBACKs released on it. */
interface Link {
  session: MqttSession | undefined;
  /** Packet ids of committed acks not yet acknowledged to the broker. */
  pubacks: number[];
  flushScheduled: boolean;
  /** The connection ended: its packet ids would acknowledge something else on the next. */
  over: boolean;
  abort: AbortController;
}

/**
 * A subscriber on one edge broker whose PUBACKs are sent when the caller says so, over
 * libs/mqtt's raw session. MQTT.js sends PUBACK as soon as its handler returns and handles
 * one message at a time, so withholding the PUBACK until a Postgres batch commits would
 * serialize the whole stream; here every message is handed over at once and acknowledged
 * later, in bulk. The broker's flow control (our Receive Maximum) bounds how many wait.
 * Messages not acknowledged when the connection drops are redelivered by the broker from the
 * persistent session.
 */
export class EdgeAckConnection {
  private link: Link | undefined;
  private opening: Promise<void> | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private readonly options: EdgeAckConnectionOptions;

  constructor(options: EdgeAckConnectionOptions) {
    this.options = options;
  }

  get connected(): boolean {
    return this.link?.session?.open === true;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Sends DISCONNECT (the session and its queued acks stay on the broker) and closes. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const link = this.link;
    if (!link) return;
    link.abort.abort();
    await this.opening;
    this.flush(link);
    await link.session?.end();
  }

  private open(): void {
    const { options } = this;
    const link: Link = {
      session: undefined,
      pubacks: [],
      flushScheduled: false,
      over: false,
      abort: new AbortController(),
    };
    this.link = link;
    this.opening = MqttSession.connect(
      {
        url: options.url,
        clientId: options.clientId,
        username: options.username,
        password: options.password,
        keepaliveSeconds: options.keepaliveSeconds ?? 30,
        maximumPacketSize: MAX_PACKET_SIZE,
        cleanStart: false,
        sessionExpiryInterval: options.sessionExpirySeconds,
        receiveMaximum: options.receiveMaximum,
        signal: link.abort.signal,
      },
      {
        packet: (packet) => this.onPacket(packet, link),
        close: (error) => this.onClose(link, error),
      },
    ).then(
      (session) => this.onConnected(link, session),
      (error: MqttClientError) => this.onConnectFailed(error),
    );
  }

  private onConnected(link: Link, session: MqttSession): void {
    link.session = session;
    // Stopping meanwhile: close() acknowledges what was released and ends the session.
    if (this.stopped) return;
    this.attempt = 0;
    this.options.logger.info(
      { brokerId: this.options.brokerId, sessionPresent: session.connack.sessionPresent },
      'consuming acks',
    );
    // Subscribing again on a resumed session is harmless and covers a broker that lost it.
    session.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [this.options.filter].flat().map((topic) => ({ topic, qos: 1 as const })),
    });
    this.flush(link);
  }

  private onConnectFailed(error: MqttClientError): void {
    const { brokerId, logger } = this.options;
    if (error.code === 'ROADCAST_ERR_MQTT_CONNECT_REFUSED')
      logger.error({ brokerId, reasonCode: error.reasonCode }, 'edge broker refused the tracker');
    else logger.debug({ err: error, brokerId }, 'edge connection error');
    this.reconnect();
  }

  private onPacket(packet: Packet, link: Link): void {
    switch (packet.cmd) {
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
            ? () => this.release(link, messageId)
            : () => undefined;
        this.options.onAck({
          topic: packet.topic,
          payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
          brokerId: this.options.brokerId,
          release,
        });
        return;
      }
      default:
        return;
    }
  }

  private release(link: Link, messageId: number): void {
    if (link.over) return;
    link.pubacks.push(messageId);
    if (!link.flushScheduled) {
      link.flushScheduled = true;
      setImmediate(() => this.flush(link));
    }
  }

  /** One write for all PUBACKs of a committed batch. */
  private flush(link: Link): void {
    link.flushScheduled = false;
    const session = link.session;
    // Released before the session was handed over: they wait for it (onConnected flushes).
    if (!session || link.pubacks.length === 0) return;
    if (session.open) session.pubackAll(link.pubacks);
    link.pubacks = [];
  }

  private onClose(link: Link, error: MqttClientError | undefined): void {
    link.over = true;
    link.pubacks = [];
    if (this.stopped) return;
    const { brokerId, logger } = this.options;
    if (error?.reasonCode !== undefined)
      logger.warn(
        { brokerId, reasonCode: error.reasonCode },
        'edge broker disconnected the tracker',
      );
    else if (error?.code === 'ROADCAST_ERR_MQTT_PROTOCOL')
      logger.warn({ err: error, brokerId }, 'malformed packet from broker');
    else logger.debug({ err: error, brokerId }, 'edge connection error');
    this.reconnect();
  }

  private reconnect(): void {
    if (this.stopped) return;
    const ceiling = Math.min(10_000, 200 * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 20);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }
}
