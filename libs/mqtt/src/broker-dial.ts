import net from 'node:net';
import tls from 'node:tls';
import type { IConnackPacket } from 'mqtt-packet';
import { MqttClientError, protocolError } from './client-errors.js';
import { decodePacket } from './packet-decoder.js';
import { PacketFramer, PacketType, type RawPacket } from './packet-framer.js';

// The opening every connection to a broker shares (sections 3.1 and 3.2): dial, CONNECT,
// CONNACK, and the socket handed over with what followed the CONNACK already framed.

export interface DialBrokerOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  /** The CONNECT, encoded: the caller decides every field of it. */
  connect: Buffer;
  /** The CONNECT's protocol version, which the CONNACK is read in. */
  protocolVersion: 4 | 5;
  /** Dial, TLS and CONNACK together. */
  timeoutMs: number;
  /** Largest packet framed from the broker, fixed header included. */
  maxPacketSize: number;
  /** For `mqtts:` (CA, client certificate, servername…). */
  tls?: tls.ConnectionOptions | undefined;
  /** Gives up the attempt (the socket is destroyed) when aborted. */
  signal?: AbortSignal | undefined;
}

/** A broker connection right after its CONNACK, accepting or refusing. */
export interface BrokerHandshake {
  /** Paused, with no listener of the handshake left on it: the caller owns it now. */
  socket: net.Socket;
  /** Frames what comes next; it holds any part of a packet already read. */
  framer: PacketFramer;
  connack: IConnackPacket;
  /** The CONNACK as the broker sent it. */
  connackRaw: Buffer;
  /** Packets the broker sent right behind its CONNACK (queued messages), in order. */
  following: RawPacket[];
}

export function dial(url: URL, options?: tls.ConnectionOptions): net.Socket {
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  if (url.protocol === 'mqtts:' || url.protocol === 'ssl:') {
    return tls.connect({
      servername: net.isIP(host) ? undefined : host,
      ...options,
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

/**
 * Dials a broker, sends the CONNECT and waits for the CONNACK, which it decodes but does
 * not judge: a refusal is the caller's to act on (the router passes it to the vehicle as it
 * came). The socket is handed back paused, with anything the broker sent after the CONNACK
 * already framed, so no byte is lost between the handshake and what the caller does next.
 * Rejects with a coded error: closed, timed out, or not an MQTT broker's answer.
 */
export function dialBroker(options: DialBrokerOptions): Promise<BrokerHandshake> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    try {
      socket = dial(new URL(options.url), options.tls);
    } catch (err) {
      reject(err);
      return;
    }
    socket.setNoDelay(true);
    const framer = new PacketFramer(options.maxPacketSize);
    let settled = false;

    const fail = (error: MqttClientError) => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(error);
    };
    // Judged after the next I/O poll: when the event loop was held up (a burst of
    // handshakes, a starved CPU), timers run before sockets are read, and a CONNACK that
    // arrived in time must not count as missing and send a vehicle to another broker.
    const timer = setTimeout(
      () =>
        setImmediate(() =>
          fail(
            new MqttClientError(
              'ROADCAST_ERR_MQTT_CONNECT_TIMEOUT',
              `no CONNACK within ${options.timeoutMs} ms`,
            ),
          ),
        ),
      options.timeoutMs,
    );
    const onAbort = () => fail(new MqttClientError('ROADCAST_ERR_MQTT_CLOSED', 'given up'));
    const onError = (err: Error) =>
      fail(new MqttClientError('ROADCAST_ERR_MQTT_CLOSED', err.message));
    const onClose = () => fail(new MqttClientError('ROADCAST_ERR_MQTT_CLOSED', 'before CONNACK'));
    const onData = (chunk: Buffer) => {
      let framed: RawPacket[];
      let connack: IConnackPacket;
      try {
        framed = framer.push(chunk);
        const first = framed[0];
        if (!first) return;
        if (first.type !== PacketType.connack)
          throw new MqttClientError(
            'ROADCAST_ERR_MQTT_PROTOCOL',
            `packet type ${first.type} before CONNACK`,
          );
        connack = decodePacket(first.raw, options.protocolVersion) as IConnackPacket;
      } catch (err) {
        fail(protocolError(err, options.maxPacketSize));
        return;
      }
      settled = true;
      socket.pause();
      cleanup();
      resolve({
        socket,
        framer,
        connack,
        connackRaw: framed[0]!.raw,
        following: framed.slice(1),
      });
    };
    const cleanup = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('data', onData);
    };
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted) onAbort();
    socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () =>
      socket.write(options.connect),
    );
  });
}
