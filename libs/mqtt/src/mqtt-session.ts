import type net from 'node:net';
import { TLSSocket } from 'node:tls';
import * as mqttPacket from 'mqtt-packet';
import type { IConnackPacket, IDisconnectPacket, Packet } from 'mqtt-packet';
import { MqttClientError } from './client-errors.js';
import { InboundFrames } from './inbound-frames.js';
import {
  CONNACK,
  type ConnackInfo,
  connackInfo,
  type MqttSessionOptions,
  connectPacket,
  DEFAULT_MAX_PACKET,
  dial,
  readConnack,
} from './session-handshake.js';

export interface MqttSessionHandlers {
  /** A PUBACK for one of this session's QoS 1 publishes. */
  puback(packetId: number, reasonCode: number): void;
  /** Any other packet after CONNACK (PUBLISH, SUBACK…), parsed by mqtt-packet. */
  packet?(packet: Packet): void;
  /** After each chunk read, so many PUBACKs can be acted on once. */
  readEnd?(): void;
  /** The socket takes writes again after `write` returned false. */
  drain?(): void;
  /** Once, when the session ends after CONNACK; `error` is undefined after `end()`. */
  close(error: MqttClientError | undefined): void;
}

const PUBACK = 0x40;
const PINGRESP = 0xd0;
const PINGREQ_BYTES = Buffer.from([0xc0, 0x00]);

/**
 * One raw MQTT 5 client connection: dial, CONNECT/CONNACK, framed reading and keepalive.
 * It never acknowledges anything by itself: PUBACKs arrive through `handlers.puback`,
 * incoming PUBLISH packets through `handlers.packet` for the owner to answer with `puback`
 * when it has taken responsibility for them. Writes are the owner's, raw or generated.
 */
export class MqttSession {
  /** `performance.now()` of the last chunk read; shared by all frames of that chunk. */
  lastReadAt = 0;
  private lastWriteAt = 0;
  private pingSentAt = 0;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private ending = false;
  private failure: MqttClientError | undefined;
  private readonly parser = mqttPacket.parser({ protocolVersion: 5 });

  private constructor(
    private readonly socket: net.Socket,
    readonly connack: ConnackInfo,
    private readonly handlers: MqttSessionHandlers,
    private readonly frames: InboundFrames,
  ) {
    this.parser.on('packet', (packet: Packet) => this.dispatch(packet));
    this.parser.on('error', (err: Error) =>
      this.fail(new MqttClientError('ROADCAST_ERR_MQTT_PROTOCOL', err.message)),
    );
  }

  /** Dials and completes CONNECT/CONNACK; rejects with a coded error when refused or late. */
  static connect(options: MqttSessionOptions, handlers: MqttSessionHandlers): Promise<MqttSession> {
    const url = new URL(options.url);
    const maxPacket = options.maximumPacketSize ?? DEFAULT_MAX_PACKET;
    const frames = new InboundFrames(maxPacket);
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      try {
        socket = dial(url, options);
      } catch (err) {
        reject(err);
        return;
      }
      socket.setNoDelay(true);
      const timer = setTimeout(
        () => fail(new MqttClientError('ROADCAST_ERR_MQTT_CONNECT_TIMEOUT', options.url)),
        options.connectTimeoutMs ?? 10_000,
      );
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.destroy();
        reject(err);
      };
      const onError = (err: Error) =>
        fail(new MqttClientError('ROADCAST_ERR_MQTT_CLOSED', err.message));
      const onClose = () => fail(new MqttClientError('ROADCAST_ERR_MQTT_CLOSED', 'before CONNACK'));
      const onData = (chunk: Buffer) => {
        try {
          if (session) session.lastReadAt = performance.now();
          frames.push(chunk, (first, data, headerAt, bodyAt, end) => {
            if (session) {
              session.onFrame(first, data, headerAt, bodyAt, end);
              return;
            }
            if (first !== CONNACK)
              throw new MqttClientError(
                'ROADCAST_ERR_MQTT_PROTOCOL',
                'first packet is not CONNACK',
              );
            session = accept(readConnack(data.subarray(headerAt, end)));
          });
          session?.handlers.readEnd?.();
        } catch (err) {
          const error =
            err instanceof MqttClientError
              ? err
              : new MqttClientError('ROADCAST_ERR_MQTT_PROTOCOL', (err as Error).message);
          if (session) session.fail(error);
          else fail(error);
        }
      };
      let session: MqttSession | undefined;
      const accept = (connack: IConnackPacket): MqttSession => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off('close', onClose);
        const s = new MqttSession(socket, connackInfo(connack, options), handlers, frames);
        s.start();
        resolve(s);
        return s;
      };
      socket.on('data', onData);
      socket.once('error', onError);
      socket.once('close', onClose);
      socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
        socket.write(connectPacket(options, maxPacket));
      });
    });
  }

  /** Whether writes still reach the broker. */
  get open(): boolean {
    return !this.closed && !this.ending && this.failure === undefined;
  }

  /** Raw, pre-encoded packets; false means wait for `handlers.drain`. */
  write(data: Buffer): boolean {
    this.lastWriteAt = performance.now();
    return this.socket.write(data);
  }

  /** A packet generated by mqtt-packet (SUBSCRIBE, PUBLISH…). */
  send(packet: Packet): boolean {
    return this.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
  }

  /** Acknowledges an incoming QoS 1 PUBLISH once the owner has taken it. */
  puback(packetId: number, reasonCode = 0): boolean {
    return this.send({ cmd: 'puback', messageId: packetId, reasonCode });
  }

  /** Writes between `cork` and `uncork` leave as one system call. */
  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /** Clean end: DISCONNECT with reason 0, so the broker drops no will and keeps no doubt. */
  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ending = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), 1_000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end(
        mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0 }, { protocolVersion: 5 }),
      );
    });
  }

  /** Drops the connection at once. */
  destroy(error?: MqttClientError): void {
    this.fail(error ?? new MqttClientError('ROADCAST_ERR_MQTT_CLOSED', 'closed by the client'));
  }

  private start(): void {
    this.lastReadAt = this.lastWriteAt = performance.now();
    this.socket.on('drain', () => this.handlers.drain?.());
    this.socket.on('error', (err) => {
      this.failure ??= new MqttClientError('ROADCAST_ERR_MQTT_CLOSED', err.message);
    });
    this.socket.on('close', () => {
      this.closed = true;
      clearInterval(this.keepaliveTimer);
      this.handlers.close(
        this.ending && !this.failure
          ? undefined
          : (this.failure ?? new MqttClientError('ROADCAST_ERR_MQTT_CLOSED')),
      );
    });
    const keepaliveMs = this.connack.keepaliveSeconds * 1000;
    if (keepaliveMs > 0) {
      this.keepaliveTimer = setInterval(
        () => this.keepalive(keepaliveMs),
        Math.max(100, keepaliveMs / 4),
      );
      this.keepaliveTimer.unref();
    }
  }

  private keepalive(keepaliveMs: number): void {
    const now = performance.now();
    if (this.pingSentAt > 0) {
      // [MQTT-3.1.2-22] a broker that stays silent a whole keepalive after PINGREQ is gone.
      if (now - this.pingSentAt >= keepaliveMs)
        this.fail(new MqttClientError('ROADCAST_ERR_MQTT_KEEPALIVE', `${keepaliveMs / 1000}s`));
      return;
    }
    // [MQTT-3.1.2-23] a control packet at least every keepalive period; PINGREQ when idle.
    if (now - this.lastWriteAt >= keepaliveMs / 2) {
      this.pingSentAt = now;
      this.write(PINGREQ_BYTES);
    }
  }

  private onFrame(
    first: number,
    data: Buffer,
    headerAt: number,
    bodyAt: number,
    end: number,
  ): void {
    if (first === PUBACK) {
      // Packet id, then a reason code unless it is 0x00 (section 3.4.2.1); properties ignored.
      if (end - bodyAt < 2) throw new MqttClientError('ROADCAST_ERR_MQTT_PROTOCOL', 'short PUBACK');
      this.handlers.puback(data.readUInt16BE(bodyAt), end - bodyAt > 2 ? data[bodyAt + 2]! : 0);
      return;
    }
    if (first === PINGRESP) {
      this.pingSentAt = 0;
      return;
    }
    this.parser.parse(data.subarray(headerAt, end));
  }

  private dispatch(packet: Packet): void {
    if (packet.cmd === 'disconnect') {
      const reason = (packet as IDisconnectPacket).reasonCode ?? 0;
      this.fail(
        new MqttClientError(
          'ROADCAST_ERR_MQTT_CLOSED',
          `DISCONNECT 0x${reason.toString(16)} from the broker`,
          reason,
        ),
      );
      return;
    }
    if (packet.cmd === 'connack')
      throw new MqttClientError('ROADCAST_ERR_MQTT_PROTOCOL', 'second CONNACK');
    this.handlers.packet?.(packet);
  }

  private fail(error: MqttClientError): void {
    if (this.closed) return;
    this.failure ??= error;
    this.socket.destroy();
  }
}
