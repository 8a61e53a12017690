import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  PacketReader,
  PacketReaderError,
  connackRefusal,
  disconnectWith,
  type FramedPacket,
  type ProtocolVersion,
} from '@roadcast/mqtt';
import type { Logger } from '@roadcast/observability';
import type { ClientTopics } from '@roadcast/policy';
import { ChunkShaper } from './chunk-shaper.js';
import type { EdgeBrokerInfo } from '@roadcast/routing';
import { FlowControl, SocketWriter } from './flow-control.js';
import { dispatchFromBroker, dispatchFromVehicle } from './handlers/index.js';
import { AUTH_FAILURES, REFUSALS, type Refusal } from './refusals.js';
import type { ConnectionState, RelayConnection } from './relay-connection.js';
import type { RouterContext } from './router-context.js';
import type { UpstreamSession } from './upstream.js';
import type { IdentityResult } from './vehicle-identity.js';

/** How long a closing socket may take to flush its last packet before it is destroyed. */
const CLOSE_FLUSH_MS = 2_000;

/**
 * One vehicle connection and, once CONNECT is accepted, its relay to an edge broker. All
 * reading, throttling and closing of both sockets happens here; what each packet means is
 * left to the handlers.
 */
export class VehicleConnection implements RelayConnection {
  readonly id = randomUUID();
  readonly ctx: RouterContext;
  readonly socket: Socket;
  readonly address: string;
  /** Decided when the TLS handshake completed; null on the plain development listener. */
  readonly tlsIdentity: IdentityResult | null;
  /** A rate or quota refusal decided at accept time, answered at CONNECT. */
  readonly admission: Refusal | null;
  readonly reader: PacketReader;
  log: Logger;
  state: ConnectionState = 'awaiting-connect';
  protocolVersion: ProtocolVersion = 4;
  vehicleId: string | undefined;
  role = 'vehicle';
  broker: EdgeBrokerInfo | undefined;
  poolId: string | undefined;
  /** SUBSCRIBE packet id → codes already decided by the router (null: the broker decides). */
  readonly pendingSubscribes = new Map<number, Array<number | null>>();
  /** MQTT 5 topic aliases the vehicle set, so aliased PUBLISHes are checked like any other. */
  readonly topicAliases = new Map<number, string>();
  private readonly vehicleFlow: FlowControl;
  private upstream: Socket | undefined;
  private upstreamFlow: FlowControl | undefined;
  private brokerReader: PacketReader | undefined;
  private toVehicle: SocketWriter | undefined;
  private toBroker: SocketWriter | undefined;
  private readonly upShaper: ChunkShaper;
  private downShaper: ChunkShaper | undefined;
  private readonly queued: FramedPacket[] = [];
  private connectTimer: NodeJS.Timeout | undefined;
  private presence: Promise<boolean> | undefined;
  private readonly onClosed: (conn: VehicleConnection) => void;

  constructor(options: {
    ctx: RouterContext;
    socket: Socket;
    tlsIdentity: IdentityResult | null;
    admission: Refusal | null;
    onClosed: (conn: VehicleConnection) => void;
  }) {
    this.ctx = options.ctx;
    this.socket = options.socket;
    this.address = options.socket.remoteAddress ?? 'unknown';
    this.tlsIdentity = options.tlsIdentity;
    this.admission = options.admission;
    this.onClosed = options.onClosed;
    const known = this.tlsIdentity?.ok
      ? this.tlsIdentity.identity.vehicleId
      : this.tlsIdentity?.vehicleId;
    this.vehicleId = known;
    this.log = this.ctx.logger.child({
      connectionId: this.id,
      address: this.address,
      ...(known ? { vehicleId: known } : {}),
    });
    const policy = this.ctx.policy.current.policy;
    // The per-vehicle limit applies from the first byte: the certificate named the vehicle.
    const maxPacketSize =
      (known && policy.protocol.vehicleMaxPacketSize[known]) || policy.protocol.maxPacketSize;
    this.reader = new PacketReader({ maxPacketSize });
    this.vehicleFlow = new FlowControl(this.socket);
    this.upShaper = new ChunkShaper({
      bytesPerSecond: policy.throttling.connection.upstreamBytesPerSecond,
      burst: maxPacketSize,
      shared: this.ctx.throttle.up,
      flow: this.vehicleFlow,
      handle: this.handleVehicleChunk,
      onThrottled: (ms) => this.ctx.metrics.throttled.inc({ direction: 'upstream' }, ms / 1000),
    });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onVehicleData(chunk));
    this.socket.on('end', () => this.close('vehicle-closed'));
    this.socket.on('close', () => this.close('vehicle-closed'));
    this.socket.on('error', (err) => this.close('vehicle-error', err));
    // As with the broker's CONNACK: a CONNECT already received is read before the deadline
    // is judged, even when the event loop was held up.
    this.connectTimer = setTimeout(() => {
      setImmediate(() => {
        if (this.state === 'awaiting-connect') this.refuse('connect-timeout');
      });
    }, policy.protocol.connectTimeoutMs);
  }

  /** Applies a new policy's per-connection rates and packet limit to this live connection. */
  reconfigure(): void {
    const policy = this.ctx.policy.current.policy;
    const max =
      (this.vehicleId && policy.protocol.vehicleMaxPacketSize[this.vehicleId]) ||
      policy.protocol.maxPacketSize;
    this.reader.setMaxPacketSize(max);
    const rates = policy.throttling.connection;
    this.upShaper.configure(rates.upstreamBytesPerSecond, max);
    this.downShaper?.configure(rates.downstreamBytesPerSecond, max);
  }

  private onVehicleData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.ctx.metrics.bytesUpstream.inc(chunk.length);
    this.upShaper.push(chunk);
  }

  private readonly handleVehicleChunk = (chunk: Buffer): void => {
    let packets: FramedPacket[];
    try {
      packets = this.reader.push(chunk);
    } catch (err) {
      this.refuseReaderError(err);
      return;
    }
    for (const framed of packets) {
      if (this.isClosed()) return;
      // [MQTT-3.1.4-7] a client may send packets before CONNACK; they wait for the relay.
      if (this.state === 'connecting') this.queued.push(framed);
      else dispatchFromVehicle(this, framed);
    }
  };

  private refuseReaderError(err: unknown): void {
    if (err instanceof PacketReaderError && err.code === 'too-large') {
      this.refuse('packet-too-large', `${err.size} bytes`);
    } else {
      this.refuse('malformed', (err as Error).message);
    }
  }

  private compiledTopics: { source: unknown; client: ClientTopics } | undefined;

  topics(): ClientTopics {
    const active = this.ctx.policy.current;
    if (this.compiledTopics?.source !== active) {
      this.compiledTopics = {
        source: active,
        client: active.topics.forClient(this.role, this.vehicleId ?? ''),
      };
    }
    return this.compiledTopics.client;
  }

  /** State may change inside a handler; loops re-read it through here. */
  isClosed(): boolean {
    return this.state === 'closed';
  }

  /** CONNECT accepted by the router: hold the vehicle's further packets until the relay is up. */
  beginConnecting(): void {
    this.state = 'connecting';
    clearTimeout(this.connectTimer);
    this.vehicleFlow.hold('connecting');
  }

  identify(vehicleId: string, role: string): void {
    this.vehicleId = vehicleId;
    this.role = role;
    this.log = this.ctx.logger.child({ connectionId: this.id, address: this.address, vehicleId });
  }

  /** Starts relaying with a broker that accepted the session; `connack` goes to the vehicle first. */
  startRelay(session: UpstreamSession, broker: EdgeBrokerInfo, connack: Buffer): void {
    if (this.state === 'closed') {
      session.socket.destroy();
      return;
    }
    this.broker = broker;
    this.upstream = session.socket;
    this.brokerReader = session.reader;
    this.upstreamFlow = new FlowControl(session.socket);
    this.toVehicle = new SocketWriter(this.socket, this.upstreamFlow);
    this.toBroker = new SocketWriter(session.socket, this.vehicleFlow);
    const policy = this.ctx.policy.current.policy;
    this.downShaper = new ChunkShaper({
      bytesPerSecond: policy.throttling.connection.downstreamBytesPerSecond,
      burst: this.reader.maxPacketSize,
      shared: this.ctx.throttle.down,
      flow: this.upstreamFlow,
      handle: this.handleBrokerChunk,
      onThrottled: (ms) => this.ctx.metrics.throttled.inc({ direction: 'downstream' }, ms / 1000),
    });
    session.socket.on('data', (chunk: Buffer) => this.onBrokerData(chunk));
    session.socket.on('end', () => this.close('broker-closed'));
    session.socket.on('close', () => this.close('broker-closed'));
    session.socket.on('error', (err) => this.close('broker-error', err));
    this.state = 'relaying';
    this.toVehicle.write(connack);
    for (const framed of session.following) dispatchFromBroker(this, framed);
    for (const framed of this.queued.splice(0)) {
      if (this.state !== 'relaying') return;
      dispatchFromVehicle(this, framed);
    }
    session.socket.resume();
    this.vehicleFlow.release('connecting');
  }

  private onBrokerData(chunk: Buffer): void {
    if (this.state !== 'relaying') return;
    this.ctx.metrics.bytesDownstream.inc(chunk.length);
    this.downShaper?.push(chunk);
  }

  private readonly handleBrokerChunk = (chunk: Buffer): void => {
    if (this.state !== 'relaying' || !this.brokerReader) return;
    let packets: FramedPacket[];
    try {
      packets = this.brokerReader.push(chunk);
    } catch (err) {
      this.close('broker-malformed', err as Error);
      return;
    }
    for (const framed of packets) {
      if (this.isClosed()) return;
      dispatchFromBroker(this, framed);
    }
  };

  sendToBroker(data: Buffer): void {
    this.toBroker?.write(data);
  }

  sendToVehicle(data: Buffer): void {
    if (this.toVehicle) this.toVehicle.write(data);
    else if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(data);
  }

  notePresence(recorded: Promise<boolean>): void {
    this.presence = recorded;
  }

  /** Counts and logs a refusal that leaves the connection open (a PUBLISH or subscription). */
  deny(refusal: Refusal, detail?: string): void {
    this.ctx.metrics.refusals.inc({ reason: refusal });
    this.log.info({ refusal, ...(detail ? { detail } : {}) }, 'refused');
  }

  /** Refuses and closes: CONNACK before a session exists, DISCONNECT (5.0) after. */
  refuse(refusal: Refusal, detail?: string): void {
    if (this.state === 'closed') return;
    this.deny(refusal, detail);
    if (AUTH_FAILURES.has(refusal) && this.ctx.gate.authFailed(this.address)) {
      this.log.warn({ refusal }, 'address banned after repeated authentication failures');
    }
    const reason = REFUSALS[refusal];
    let reply: Buffer | null = null;
    if (reason !== null) {
      reply =
        this.state === 'relaying'
          ? disconnectWith(this.protocolVersion, reason)
          : connackRefusal(this.protocolVersion, reason);
    }
    // A refusal before any CONNECT has nobody to answer.
    if (refusal === 'connect-timeout') reply = null;
    this.close(refusal, undefined, reply);
  }

  /** Tells a 5.0 vehicle why it must go (drain, shutdown) and closes; 3.1.1 is just closed. */
  disconnect(reason: number, label: string): void {
    this.close(label, undefined, disconnectWith(this.protocolVersion, reason));
  }

  /**
   * The one place a connection ends: the final packet (if any) is written, both sockets are
   * ended and then destroyed if they do not finish, and presence is removed for this
   * connection only.
   */
  close(reason: string, err?: Error, lastWords?: Buffer | null): void {
    if (this.state === 'closed') return;
    const wasRelaying = this.state === 'relaying';
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    this.upShaper.stop();
    this.downShaper?.stop();
    // Packets relayed earlier in the same chunk leave before the last words.
    this.toBroker?.flush();
    this.toVehicle?.flush();
    if (lastWords && !this.socket.destroyed) this.socket.end(lastWords);
    else this.socket.end();
    this.upstream?.end();
    const sockets = [this.socket, this.upstream];
    setTimeout(() => sockets.forEach((s) => s?.destroy()), CLOSE_FLUSH_MS).unref();
    this.ctx.metrics.closes.inc({ reason });
    const level = err && !['vehicle-error', 'broker-error'].includes(reason) ? 'warn' : 'info';
    this.log[level](
      { reason, brokerId: this.broker?.id, ...(err ? { err: err.message } : {}) },
      'closed',
    );
    if (wasRelaying && this.presence && this.vehicleId) {
      const vehicleId = this.vehicleId;
      void this.presence
        .then((recorded) =>
          recorded ? this.ctx.presence.remove(vehicleId, this.id, reason) : false,
        )
        .catch((e: unknown) => this.log.warn({ err: e }, 'presence removal failed'));
    }
    this.onClosed(this);
  }
}
