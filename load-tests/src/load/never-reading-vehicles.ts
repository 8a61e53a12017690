import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import mqtt, { type MqttClient } from 'mqtt';
import { encodePacket, PacketReader } from '@roadcast/mqtt';
import type { BrokerCredentials } from '@roadcast/testing';
import { connectPacket } from './mqtt5-packets.js';

/**
 * Vehicles with valid certificates that subscribe to their own topics and then never read
 * their socket again, while they write refused QoS 1 publishes at a fixed pace and notices are
 * pushed at them through their broker: everything the router answers or relays to them piles
 * up on its side. Part of the attacker process.
 */

export interface NeverReadingPlan {
  host: string;
  port: number;
  vehicles: Array<{ vehicleId: string; cert: string; key: string }>;
  ca: string;
  /** The source address they connect from. */
  address: string;
  /** Refused QoS 1 publishes each vehicle writes per second. */
  publishesPerSecond: number;
  payloadBytes: number;
  /** Where notices are pushed at them (the edge broker), and how many per vehicle per second. */
  brokerUrl: string;
  /** The bridge's login on that broker: the pusher publishes notices as the platform would. */
  brokerLogin: BrokerCredentials;
  noticesPerSecond: number;
}

export interface NeverReadingStats {
  connected: number;
  subscribed: number;
  publishesWritten: number;
  /** Publishes not written because the vehicle's own send buffer was full. */
  publishesHeldBack: number;
  closedByRouter: number;
  noticesPushed: number;
}

/** The attacker keeps at most this much unsent per vehicle, so its own memory stays bounded. */
const SEND_BUFFER_LIMIT = 256 * 1024;
const TICK_MS = 20;

export class NeverReadingVehicles {
  readonly stats: NeverReadingStats = {
    connected: 0,
    subscribed: 0,
    publishesWritten: 0,
    publishesHeldBack: 0,
    closedByRouter: 0,
    noticesPushed: 0,
  };
  private readonly sockets = new Set<Socket>();
  private readonly timers: NodeJS.Timeout[] = [];
  private pusher: MqttClient | undefined;
  private pushFailure: Error | undefined;
  private stopping = false;

  constructor(private readonly plan: NeverReadingPlan) {}

  start(): void {
    const payload = Buffer.alloc(this.plan.payloadBytes, 0x61);
    this.plan.vehicles.forEach((v, i) => {
      // Another vehicle's ack topic: the router refuses every publish with a PUBACK that this
      // vehicle never reads.
      const other = this.plan.vehicles[(i + 1) % this.plan.vehicles.length]!.vehicleId;
      this.vehicle(v, `vehicles/${other}/ota/acks`, payload);
    });
    if (this.plan.vehicles.length > 0 && this.plan.noticesPerSecond > 0)
      void this.pushNotices(payload).catch((err: Error) => (this.pushFailure = err));
  }

  private vehicle(
    v: NeverReadingPlan['vehicles'][number],
    forbiddenTopic: string,
    payload: Buffer,
  ): void {
    const publishes = Array.from({ length: 64 }, (_, k) =>
      encodePacket(
        {
          cmd: 'publish',
          topic: forbiddenTopic,
          payload,
          qos: 1,
          messageId: k + 1,
          dup: false,
          retain: false,
        },
        5,
      ),
    );
    const tcp = netConnect({
      host: this.plan.host,
      port: this.plan.port,
      localAddress: this.plan.address,
    });
    tcp.on('error', () => undefined);
    const socket = tlsConnect({
      socket: tcp,
      servername: 'localhost',
      ca: this.plan.ca,
      cert: v.cert,
      key: v.key,
    });
    this.sockets.add(socket);
    const reader = new PacketReader({ maxPacketSize: 1 << 28, protocolVersion: 5 });
    let live = false;
    socket.once('secureConnect', () => {
      socket.write(connectPacket(v.vehicleId, { keepalive: 60 }));
    });
    const onData = (chunk: Buffer) => {
      for (const { packet } of reader.push(chunk)) {
        if (packet.cmd === 'connack' && !packet.reasonCode) {
          this.stats.connected += 1;
          live = true;
          socket.write(
            encodePacket(
              {
                cmd: 'subscribe',
                messageId: 1,
                subscriptions: [{ topic: `vehicles/${v.vehicleId}/#`, qos: 1 }],
              },
              5,
            ),
          );
        }
        if (packet.cmd === 'suback') {
          this.stats.subscribed += 1;
          // From here on the vehicle never reads again.
          socket.off('data', onData);
          socket.pause();
        }
      }
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (live && !this.stopping) this.stats.closedByRouter += 1;
      live = false;
    });
    let next = 0;
    let owed = 0;
    this.timers.push(
      setInterval(() => {
        if (!live) return;
        owed += (this.plan.publishesPerSecond * TICK_MS) / 1000;
        const count = Math.floor(owed);
        owed -= count;
        if (count === 0) return;
        if (socket.writableLength > SEND_BUFFER_LIMIT) {
          this.stats.publishesHeldBack += count;
          return;
        }
        const batch = Array.from({ length: count }, () => publishes[next++ % publishes.length]!);
        socket.write(Buffer.concat(batch));
        this.stats.publishesWritten += count;
      }, TICK_MS),
    );
  }

  /** Notices for the never-reading vehicles, published at their broker as the platform would. */
  private async pushNotices(payload: Buffer): Promise<void> {
    this.pusher = await mqtt.connectAsync(this.plan.brokerUrl, {
      ...this.plan.brokerLogin,
      clientId: 'bench-attack-pusher',
      protocolVersion: 5,
    });
    let owed = 0;
    this.timers.push(
      setInterval(() => {
        owed += (this.plan.noticesPerSecond * this.plan.vehicles.length) / 20;
        for (; owed >= 1; owed -= 1) {
          const v = this.plan.vehicles[this.stats.noticesPushed % this.plan.vehicles.length]!;
          this.pusher?.publish(`vehicles/${v.vehicleId}/ota/notices`, payload, { qos: 1 });
          this.stats.noticesPushed += 1;
        }
      }, 50),
    );
  }

  /** Ends the attack; fails if notices could not be pushed, as the attack was then weaker. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
    await this.pusher?.endAsync(true).catch(() => undefined);
    if (this.pushFailure)
      throw new Error(`notices could not be pushed at the broker: ${this.pushFailure.message}`);
  }
}
