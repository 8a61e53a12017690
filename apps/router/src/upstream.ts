import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  PacketFramer,
  PacketType,
  decodePacket,
  type IConnackPacket,
  type RawPacket,
} from '@roadcast/mqtt';

export interface UpstreamSession {
  socket: Socket;
  framer: PacketFramer;
  connack: IConnackPacket;
  connackRaw: Buffer;
  /** Packets the broker sent right behind its CONNACK (queued messages), in order. */
  following: RawPacket[];
}

export class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

// Whatever a broker sends is bounded too; its packets are relayed to vehicles whose own
// limit applies at the vehicle, so this only guards the router's memory.
const BROKER_MAX_PACKET = 268_435_460;

/**
 * Opens a connection to an edge broker, sends the CONNECT prepared for it and waits for the
 * CONNACK. The socket is handed back paused, with anything the broker sent after the
 * CONNACK already framed, so no byte is lost between this handshake and the relay.
 */
export function openUpstream(options: {
  url: string;
  connect: Buffer;
  protocolVersion: 4 | 5;
  timeoutMs: number;
}): Promise<UpstreamSession> {
  const url = new URL(options.url);
  const secure = url.protocol === 'mqtts:';
  if (!secure && url.protocol !== 'mqtt:')
    return Promise.reject(new UpstreamError(`unsupported broker URL scheme ${url.protocol}`));
  const port = Number(url.port || (secure ? 8883 : 1883));
  const host = url.hostname.replace(/^\[|\]$/g, '');

  return new Promise<UpstreamSession>((resolve, reject) => {
    const socket: Socket = secure
      ? tlsConnect({ host, port, servername: host })
      : netConnect({ host, port });
    socket.setNoDelay(true);
    const framer = new PacketFramer(BROKER_MAX_PACKET);
    let settled = false;

    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(new UpstreamError(message));
    };
    // Judged after the next I/O poll: when the event loop was held up (a burst of
    // handshakes, a starved CPU), timers run before sockets are read, and a CONNACK that
    // arrived in time must not count as missing and send the vehicle to another broker.
    const timer = setTimeout(
      () => setImmediate(() => fail(`no CONNACK within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onError = (err: Error) => fail(err.message);
    const onClose = () => fail('broker closed the connection before CONNACK');
    const onData = (chunk: Buffer) => {
      let framed: RawPacket[];
      let connack: IConnackPacket;
      try {
        framed = framer.push(chunk);
        const first = framed[0];
        if (!first) return;
        if (first.type !== PacketType.connack) {
          fail(`broker sent packet type ${first.type} before CONNACK`);
          return;
        }
        connack = decodePacket(first.raw, options.protocolVersion) as IConnackPacket;
      } catch (err) {
        fail(`broker sent an invalid packet: ${(err as Error).message}`);
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
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('data', onData);
    };
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(options.connect));
  });
}
