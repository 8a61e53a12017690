/** Test vehicles: MQTT.js over mTLS for behaviour, raw TLS with byte fixtures for refusals. */
import { once } from 'node:events';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { encodePacket, PacketReader, type IConnectPacket, type Packet } from '@roadcast/mqtt';
import { getTestPki, type TestCertificate } from '@roadcast/testing';

export function vehicleTls(cert: TestCertificate): { key: string; cert: string; ca: string } {
  return { key: cert.key, cert: cert.cert, ca: getTestPki().ca };
}

/** An MQTT.js client over mTLS; resolves once CONNACK accepted the session. */
export async function connectVehicle(
  port: number,
  cert: TestCertificate,
  options: IClientOptions = {},
  onMessage?: (topic: string, payload: Buffer) => void,
): Promise<MqttClient> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    protocol: 'mqtts',
    ...vehicleTls(cert),
    rejectUnauthorized: true,
    servername: 'localhost',
    clientId: cert.vehicleId,
    clean: false,
    protocolVersion: 5,
    properties: { sessionExpiryInterval: 3600 },
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  // Attached before CONNACK: queued messages may arrive in the same chunk.
  if (onMessage) client.on('message', onMessage);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
  client.on('error', () => undefined);
  return client;
}

// The largest packet MQTT allows: whatever the router sends is read.
const MAX_PACKET = 268_435_460;

/** A raw mTLS connection that collects every packet the router sends, parsed. */
export class RawVehicle {
  readonly socket: TLSSocket;
  readonly packets: Packet[] = [];
  /** Every byte the router sent, for comparison with fixtures. */
  received = Buffer.alloc(0);
  private readonly reader: PacketReader;
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: TLSSocket, protocolVersion: 4 | 5) {
    this.socket = socket;
    this.reader = new PacketReader({ maxPacketSize: MAX_PACKET, protocolVersion });
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      const framed = this.reader.push(chunk);
      for (const { packet } of framed) this.packets.push(packet);
      if (framed.length > 0) this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static async open(
    port: number,
    cert: TestCertificate | null,
    protocolVersion: 4 | 5 = 5,
    tls: { session?: Buffer } = {},
  ): Promise<RawVehicle> {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: getTestPki().ca,
      ...(cert ? { key: cert.key, cert: cert.cert } : {}),
      ...tls,
    });
    const vehicle = new RawVehicle(socket, protocolVersion);
    socket.on('session', (session: Buffer) => (vehicle.tlsSession = session));
    await once(socket, 'secureConnect');
    return vehicle;
  }

  /** The TLS session the router offered for resumption, once its ticket has arrived. */
  tlsSession: Buffer | undefined;

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  sendPacket(packet: Packet, protocolVersion: 4 | 5 = 5): void {
    this.socket.write(encodePacket(packet, protocolVersion));
  }

  /** The next packet of this type, or null when the connection closed first. */
  async next(cmd: Packet['cmd'], timeoutMs = 5_000): Promise<Packet | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.packets.findIndex((p) => p.cmd === cmd);
      if (index >= 0) return this.packets.splice(index, 1)[0]!;
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error(`no ${cmd} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async waitClosed(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export function connectPacket(
  clientId: string,
  protocolVersion: 4 | 5 = 5,
  extra: Partial<IConnectPacket> = {},
): Packet {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion,
    clean: false,
    keepalive: 30,
    clientId,
    ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}),
    ...extra,
  };
}
