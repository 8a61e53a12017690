import net from 'node:net';
import { once } from 'node:events';
import { after } from 'node:test';
import * as mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

/**
 * A TCP peer that reads MQTT 5 client packets and answers only as each test scripts it,
 * byte for byte where the test needs to: a broker that is slow, silent, refusing, hostile
 * or killed at a chosen moment, which a real Mosquitto cannot be made to be on demand.
 */
export class ScriptedConnection {
  readonly packets: Packet[] = [];
  /** Data events received, to see how packets were batched into writes. */
  chunks = 0;
  private listeners: Array<(p: Packet) => void> = [];

  constructor(readonly socket: net.Socket) {
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (p: Packet) => {
      this.packets.push(p);
      for (const l of [...this.listeners]) l(p);
    });
    socket.on('data', (chunk) => {
      this.chunks += 1;
      parser.parse(chunk);
    });
    socket.on('error', () => undefined);
  }

  onPacket(listener: (p: Packet) => void): void {
    this.listeners.push(listener);
  }

  published(): mqttPacket.IPublishPacket[] {
    return this.packets.filter((p): p is mqttPacket.IPublishPacket => p.cmd === 'publish');
  }

  send(packet: Packet): void {
    this.socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
  }

  connack(properties: mqttPacket.IConnackPacket['properties'] = {}, reasonCode = 0): void {
    this.send({ cmd: 'connack', sessionPresent: false, reasonCode, properties });
  }

  /** PUBACK in its short form when the reason is 0x00, else with the reason code. */
  puback(packetId: number, reasonCode = 0): void {
    this.socket.write(pubackBytes(packetId, reasonCode));
  }
}

export function pubackBytes(packetId: number, reasonCode = 0): Buffer {
  return reasonCode === 0
    ? Buffer.from([0x40, 0x02, packetId >> 8, packetId & 0xff])
    : Buffer.from([0x40, 0x03, packetId >> 8, packetId & 0xff, reasonCode]);
}

export class ScriptedBroker {
  private constructor(
    private readonly server: net.Server,
    readonly url: string,
    readonly connections: ScriptedConnection[],
  ) {}

  static async start(onConnection: (c: ScriptedConnection) => void): Promise<ScriptedBroker> {
    const connections: ScriptedConnection[] = [];
    const server = net.createServer((socket) => {
      const connection = new ScriptedConnection(socket);
      connections.push(connection);
      onConnection(connection);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    return new ScriptedBroker(server, `mqtt://127.0.0.1:${port}`, connections);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A starter of scripted brokers for one test file, which closes them all after it. */
export function brokersOfThisFile(): (
  onConnection: (c: ScriptedConnection) => void,
) => Promise<ScriptedBroker> {
  const started: ScriptedBroker[] = [];
  after(async () => {
    await Promise.all(started.map((b) => b.close()));
  });
  return async (onConnection) => {
    const b = await ScriptedBroker.start(onConnection);
    started.push(b);
    return b;
  };
}

/** Answers CONNECT with CONNACK carrying these properties. */
export function acceptWith(
  properties: mqttPacket.IConnackPacket['properties'] = {},
): (c: ScriptedConnection) => void {
  return (c) =>
    c.onPacket((p) => {
      if (p.cmd === 'connect') c.connack(properties);
    });
}

export async function waitUntil(
  check: () => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
