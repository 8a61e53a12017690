import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  PacketFramer,
  PacketReaderError,
  ReasonCode,
  connackRefusal,
  connectProtocolLevel,
  decodePacket,
  disconnectWith,
  type Packet,
  type ProtocolVersion,
  type RawPacket,
} from '@roadcast/mqtt';
import { LogSource, type LogRateLimiter, type Logger } from '@roadcast/observability';
import type { RouterPolicy } from '@roadcast/policy';
import type { EdgeBrokerInfo } from '@roadcast/routing';
import { BoundedWriter } from './bounded-writer.js';
import { ChunkShaper } from './chunk-shaper.js';
import { FlowControl, Hold } from './flow-control.js';
import { dispatchFromBroker, dispatchFromVehicle } from './handlers/index.js';
import { MessageShaper, type ShapedPacketSink } from './message-shaper.js';
import type { PreAuthBudget, PreAuthSlot } from './pre-auth-budget.js';
import { REFUSALS, countsTowardBan, type Refusal } from './refusals.js';
import type { ConnectionState, RelayConnection } from './relay-connection.js';
import type { RouterContext } from './router-context.js';
import type { UpstreamSession } from './upstream.js';
import type { IdentityResult } from './vehicle-identity.js';

/** What a connection needs of the router's registry of connections. */
export interface ConnectionHost {
  readonly preAuth: PreAuthBudget;
  /** Lines an outsider can cause go through this. */
  readonly log: LogRateLimiter;
  /** Sessions accepted by policy, bounded by throttling.maxConnections. */
  established: number;
  recordFailure(address: string): void;
  remove(conn: VehicleConnection): void;
}

/** How long a closing socket may take to flush its last packet before it is destroyed. */
const CLOSE_FLUSH_MS = 2_000;
/** Enough of a CONNECT to read its protocol level: header, name "MQIsdp", level. */
const CONNECT_PREFIX_BYTES = 16;
const STALLED = new Set(['stalled-reader', 'stalled-broker']);

// Socket listeners shared by every connection (the socket carries its connection), so an
// idle connection holds no closures of its own.
const owner = Symbol('vehicleConnection');
type Owned = Socket & { [owner]?: VehicleConnection };
function onVehicleData(this: Owned, chunk: Buffer): void {
  this[owner]?.onVehicleData(chunk);
}
function onVehicleEnd(this: Owned): void {
  this[owner]?.close('vehicle-closed');
}
function onVehicleError(this: Owned, err: Error): void {
  this[owner]?.close('vehicle-error', err);
}
function onBrokerData(this: Owned, chunk: Buffer): void {
  this[owner]?.onBrokerData(chunk);
}
function onBrokerEnd(this: Owned): void {
  this[owner]?.close('broker-closed');
}
function onBrokerError(this: Owned, err: Error): void {
  this[owner]?.close('broker-error', err);
}
function destroyBoth(a: Socket, b: Socket | undefined): void {
  a.destroy();
  b?.destroy();
}
// As with the broker's CONNACK: a CONNECT already received is read before the deadline is
// judged, even when the event loop was held up.
function connectDeadlinePassed(conn: VehicleConnection): void {
  setImmediate(judgeConnectDeadline, conn);
}
function judgeConnectDeadline(conn: VehicleConnection): void {
  conn.connectDeadline();
}

/**
 * One vehicle connection and, once CONNECT is accepted, its relay to an edge broker. All
 * reading, shaping, writing and closing of both sockets happens here; what each packet
 * means is left to the handlers. Packets are framed by their fixed headers; handlers decode
 * only what policy needs.
 */
export class VehicleConnection implements RelayConnection, ShapedPacketSink {
  readonly id = randomUUID();
  readonly ctx: RouterContext;
  readonly socket: Socket;
  readonly address: string;
  readonly tlsIdentity: IdentityResult | null;
  readonly admission: Refusal | null;
  state: ConnectionState = 'awaiting-connect';
  protocolVersion: ProtocolVersion = 4;
  vehicleId: string | undefined;
  role = 'vehicle';
  broker: EdgeBrokerInfo | undefined;
  poolId: string | undefined;
  pendingSubscribes: Map<number, Array<number | null>> | undefined;
  topicAliases: Map<number, string> | undefined;
  /** When the vehicle's last whole packet arrived, for the keep-alive deadline. */
  lastPacketAt = 0;
  private keepAliveMs = 0;
  private readonly registry: ConnectionHost;
  /** What the router already knows it will refuse (accept-time quota, certificate). */
  private readonly verdict: Refusal | null;
  private readonly framer: PacketFramer;
  private readonly vehicleFlow: FlowControl;
  private upShaper: ChunkShaper | undefined;
  private upMessages: MessageShaper | undefined;
  private upstream: Socket | undefined;
  private upstreamFlow: FlowControl | undefined;
  private brokerFramer: PacketFramer | undefined;
  private toVehicle: BoundedWriter | undefined;
  private toBroker: BoundedWriter | undefined;
  private downShaper: ChunkShaper | undefined;
  private downMessages: MessageShaper | undefined;
  private queued: RawPacket[] | undefined;
  private connectPrefix: Buffer | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private presence: Promise<boolean> | undefined;
  private preAuth: PreAuthSlot | undefined;
  private established = false;
  private logSource: LogSource | undefined;

  constructor(options: {
    ctx: RouterContext;
    registry: ConnectionHost;
    socket: Socket;
    /** The source address (from a PROXY header when a trusted balancer sent one). */
    address: string;
    tlsIdentity: IdentityResult | null;
    admission: Refusal | null;
    preAuth: PreAuthSlot | undefined;
  }) {
    this.ctx = options.ctx;
    this.registry = options.registry;
    this.socket = options.socket;
    this.address = options.address;
    this.tlsIdentity = options.tlsIdentity;
    this.admission = options.admission;
    this.preAuth = options.preAuth;
    const identity = this.tlsIdentity;
    this.verdict = this.admission ?? (identity && !identity.ok ? identity.problem : null);
    this.vehicleId = identity?.ok ? identity.identity.vehicleId : identity?.vehicleId;
    const policy = this.ctx.policy.current.policy;
    // Until the session is accepted only a small CONNECT is read, whoever the certificate names.
    this.framer = new PacketFramer(
      Math.min(policy.preAuth.maxConnectBytes, this.packetLimit(policy)),
    );
    this.vehicleFlow = new FlowControl(this.socket);
    this.configureUpstream(policy);
    const socket = this.socket as Owned;
    socket[owner] = this;
    socket.setNoDelay(true);
    socket.on('data', onVehicleData);
    socket.on('end', onVehicleEnd);
    socket.on('close', onVehicleEnd);
    socket.on('error', onVehicleError);
    const deadline = this.verdict
      ? policy.preAuth.unidentifiedTimeoutMs
      : policy.protocol.connectTimeoutMs;
    this.connectTimer = setTimeout(connectDeadlinePassed, deadline, this);
  }

  /** A logger bound to this connection; made when a rare path logs, never kept. */
  get log(): Logger {
    return this.ctx.logger.child(this.logFields());
  }

  logFields(): Record<string, unknown> {
    return {
      connectionId: this.id,
      address: this.address,
      ...(this.vehicleId ? { vehicleId: this.vehicleId } : {}),
    };
  }

  private packetLimit(policy: RouterPolicy): number {
    return (
      (this.vehicleId && policy.protocol.vehicleMaxPacketSize[this.vehicleId]) ||
      policy.protocol.maxPacketSize
    );
  }

  private configureUpstream(policy: RouterPolicy): void {
    const bytes = policy.throttling.connection.upstreamBytesPerSecond;
    const limit = this.framer.maxPacketSize;
    if (this.upShaper) this.upShaper.configure(bytes, limit);
    else if (bytes > 0 || !this.ctx.throttle.up.unlimited)
      this.upShaper = new ChunkShaper({
        bytesPerSecond: bytes,
        burst: limit,
        shared: this.ctx.throttle.up,
        flow: this.vehicleFlow,
        handle: (chunk) => this.handleVehicleChunk(chunk),
        onThrottled: (ms) => this.ctx.metrics.throttled.inc({ direction: 'upstream' }, ms / 1000),
      });
    const { upstream, upstreamGraceMs } = policy.throttling.messages;
    if (this.upMessages)
      this.upMessages.configure(upstream.perSecond, upstream.burst, upstreamGraceMs);
    else if (upstream.perSecond > 0)
      this.upMessages = new MessageShaper({
        perSecond: upstream.perSecond,
        burst: upstream.burst,
        graceMs: upstreamGraceMs,
        flow: this.vehicleFlow,
        sink: this,
        upstream: true,
      });
  }

  private configureDownstream(policy: RouterPolicy): void {
    const flow = this.upstreamFlow!;
    const bytes = policy.throttling.connection.downstreamBytesPerSecond;
    const limit = this.framer.maxPacketSize;
    if (this.downShaper) this.downShaper.configure(bytes, limit);
    else if (bytes > 0 || !this.ctx.throttle.down.unlimited)
      this.downShaper = new ChunkShaper({
        bytesPerSecond: bytes,
        burst: limit,
        shared: this.ctx.throttle.down,
        flow,
        handle: (chunk) => this.handleBrokerChunk(chunk),
        onThrottled: (ms) => this.ctx.metrics.throttled.inc({ direction: 'downstream' }, ms / 1000),
      });
    const { downstream } = policy.throttling.messages;
    if (this.downMessages) this.downMessages.configure(downstream.perSecond, downstream.burst);
    else if (downstream.perSecond > 0)
      this.downMessages = new MessageShaper({
        perSecond: downstream.perSecond,
        burst: downstream.burst,
        flow,
        sink: this,
        upstream: false,
      });
    const bufferBytes = policy.throttling.writeBufferBytes;
    this.toVehicle?.setHighWaterMark(bufferBytes);
    this.toBroker?.setHighWaterMark(bufferBytes);
  }

  /** Applies a new policy's per-connection limits to this live connection. */
  reconfigure(): void {
    const policy = this.ctx.policy.current.policy;
    const limit = this.packetLimit(policy);
    this.framer.setMaxPacketSize(
      this.established ? limit : Math.min(policy.preAuth.maxConnectBytes, limit),
    );
    this.configureUpstream(policy);
    if (this.upstreamFlow) this.configureDownstream(policy);
  }

  onVehicleData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.ctx.metrics.bytesUpstream.inc(chunk.length);
    if (this.upShaper) this.upShaper.push(chunk);
    else this.handleVehicleChunk(chunk);
  }

  private handleVehicleChunk(chunk: Buffer): void {
    if (this.verdict && this.state === 'awaiting-connect') {
      this.answerEarly(chunk);
      return;
    }
    let packets: RawPacket[];
    try {
      packets = this.framer.push(chunk);
    } catch (err) {
      this.refuseFramingError(err);
      return;
    }
    if (packets.length === 0) return;
    this.lastPacketAt = Date.now();
    if (this.upMessages) this.upMessages.push(packets);
    else for (const packet of packets) if (!this.takeVehiclePacket(packet)) return;
  }

  deliver(packet: RawPacket, upstream: boolean): boolean {
    return upstream ? this.takeVehiclePacket(packet) : this.takeBrokerPacket(packet);
  }

  persistentlyOverRate(): void {
    this.refuse('message-rate');
  }

  private takeVehiclePacket(packet: RawPacket): boolean {
    if (this.state === 'closed') return false;
    // [MQTT-3.1.4-7] a client may send packets before CONNACK; they wait for the relay.
    if (this.state === 'connecting') (this.queued ??= []).push(packet);
    else dispatchFromVehicle(this, packet);
    // A handler may have closed the connection.
    return !this.isClosed();
  }

  /**
   * A connection the router will refuse whatever its CONNECT says: it is answered as soon as
   * the CONNECT's first bytes name the protocol version, without reading the rest.
   */
  private answerEarly(chunk: Buffer): void {
    const bytes = this.connectPrefix ? Buffer.concat([this.connectPrefix, chunk]) : chunk;
    const level = connectProtocolLevel(bytes.subarray(0, CONNECT_PREFIX_BYTES));
    if (level === 'pending') {
      this.connectPrefix = Buffer.from(bytes.subarray(0, CONNECT_PREFIX_BYTES));
      return;
    }
    this.connectPrefix = undefined;
    if (level === 'invalid') return this.refuse('protocol-error', 'first packet is not a CONNECT');
    if (level !== 4 && level !== 5)
      return this.refuse('unsupported-protocol', `protocol level ${level}`);
    this.protocolVersion = level;
    this.refuse(this.verdict!);
  }

  connectDeadline(): void {
    if (this.state === 'awaiting-connect') this.refuse('connect-timeout');
  }

  private refuseFramingError(err: unknown): void {
    if (err instanceof PacketReaderError && err.code === 'too-large')
      this.refuse('packet-too-large', `${err.size} bytes`);
    else this.refuse('malformed', (err as Error).message);
  }

  decode(raw: Buffer): Packet | undefined {
    try {
      return decodePacket(raw, this.protocolVersion);
    } catch (err) {
      this.refuse('malformed', (err as Error).message);
      return undefined;
    }
  }

  isClosed(): boolean {
    return this.state === 'closed';
  }

  identify(vehicleId: string, role: string): void {
    this.vehicleId = vehicleId;
    this.role = role;
  }

  beginConnecting(keepAliveSeconds: number): boolean {
    const policy = this.ctx.policy.current.policy;
    const max = policy.throttling.maxConnections;
    if (max > 0 && this.registry.established >= max) {
      this.refuse('max-connections');
      return false;
    }
    this.state = 'connecting';
    this.established = true;
    this.registry.established += 1;
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.leavePreAuth();
    this.keepAliveMs = keepAliveSeconds * 1000;
    this.framer.setMaxPacketSize(this.packetLimit(policy));
    this.vehicleFlow.hold(Hold.connecting);
    return true;
  }

  startRelay(session: UpstreamSession, broker: EdgeBrokerInfo, connack: Buffer): void {
    if (this.state === 'closed') {
      session.socket.destroy();
      return;
    }
    const policy = this.ctx.policy.current.policy;
    this.broker = broker;
    const upstream = session.socket as Owned;
    this.upstream = upstream;
    this.brokerFramer = session.framer;
    this.upstreamFlow = new FlowControl(upstream);
    const bufferBytes = policy.throttling.writeBufferBytes;
    // The vehicle's socket is fed by the broker and by the router's own replies to the
    // vehicle: when it is full, both stop being read.
    this.toVehicle = new BoundedWriter(
      this.socket,
      [this.vehicleFlow, this.upstreamFlow],
      Hold.toVehicleFull,
      bufferBytes,
    );
    this.toBroker = new BoundedWriter(upstream, [this.vehicleFlow], Hold.toBrokerFull, bufferBytes);
    this.configureDownstream(policy);
    upstream[owner] = this;
    upstream.on('data', onBrokerData);
    upstream.on('end', onBrokerEnd);
    upstream.on('close', onBrokerEnd);
    upstream.on('error', onBrokerError);
    this.state = 'relaying';
    this.lastPacketAt = Date.now();
    this.toVehicle.write(connack);
    if (this.downMessages) this.downMessages.push(session.following);
    else for (const packet of session.following) if (!this.takeBrokerPacket(packet)) return;
    const queued = this.queued ?? [];
    this.queued = undefined;
    for (const packet of queued) {
      if (this.state !== 'relaying') return;
      dispatchFromVehicle(this, packet);
    }
    this.upstreamFlow.resumeIfFree();
    this.vehicleFlow.release(Hold.connecting);
  }

  onBrokerData(chunk: Buffer): void {
    if (this.state !== 'relaying') return;
    this.ctx.metrics.bytesDownstream.inc(chunk.length);
    if (this.downShaper) this.downShaper.push(chunk);
    else this.handleBrokerChunk(chunk);
  }

  private handleBrokerChunk(chunk: Buffer): void {
    if (this.state !== 'relaying' || !this.brokerFramer) return;
    let packets: RawPacket[];
    try {
      packets = this.brokerFramer.push(chunk);
    } catch (err) {
      this.close('broker-malformed', err as Error);
      return;
    }
    if (this.downMessages) this.downMessages.push(packets);
    else for (const packet of packets) if (!this.takeBrokerPacket(packet)) return;
  }

  private takeBrokerPacket(packet: RawPacket): boolean {
    if (this.state !== 'relaying') return false;
    dispatchFromBroker(this, packet);
    return !this.isClosed();
  }

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

  /** Bytes the router holds for this connection, in both directions. */
  heldBytes(): number {
    let held = this.framer.pendingBytes + this.socket.readableLength;
    held += this.toVehicle ? this.toVehicle.pendingBytes : this.socket.writableLength;
    held += (this.upShaper?.queuedBytes ?? 0) + (this.upMessages?.queuedBytes ?? 0);
    for (const packet of this.queued ?? []) held += packet.raw.length;
    if (this.upstream) {
      held += (this.brokerFramer?.pendingBytes ?? 0) + this.upstream.readableLength;
      held += this.toBroker?.pendingBytes ?? 0;
      held += (this.downShaper?.queuedBytes ?? 0) + (this.downMessages?.queuedBytes ?? 0);
    }
    return held;
  }

  /** Keep-alive and stall deadlines, judged by the registry's sweep. */
  checkDeadlines(now: number, stalledTimeoutMs: number): void {
    if (this.state !== 'relaying') return;
    if (
      this.toVehicle &&
      this.toVehicle.stalledSince > 0 &&
      now - this.toVehicle.stalledSince > stalledTimeoutMs
    )
      return this.close('stalled-reader');
    if (
      this.toBroker &&
      this.toBroker.stalledSince > 0 &&
      now - this.toBroker.stalledSince > stalledTimeoutMs
    )
      return this.close('stalled-broker');
    // Silence the router imposes (reading paused) is not the vehicle's.
    if (this.vehicleFlow.paused) this.lastPacketAt = now;
    // [MQTT-3.1.2-24] silent for one and a half times the keep alive: the session is over.
    if (this.keepAliveMs > 0 && now - this.lastPacketAt > this.keepAliveMs * 1.5)
      this.disconnect(ReasonCode.keepAliveTimeout, 'keep-alive-timeout');
  }

  deny(refusal: Refusal, detail?: string): void {
    this.ctx.metrics.countRefusal(refusal);
    this.logSource ??= new LogSource();
    this.registry.log.log(
      this.logSource,
      refusal,
      'info',
      { ...this.logFields(), refusal, ...(detail ? { detail } : {}) },
      'refused',
    );
  }

  refuse(refusal: Refusal, detail?: string): void {
    if (this.state === 'closed') return;
    this.deny(refusal, detail);
    if (this.state === 'awaiting-connect' && countsTowardBan(refusal))
      this.registry.recordFailure(this.address);
    const reason = REFUSALS[refusal];
    let reply: Buffer | null = null;
    // A refusal before any CONNECT has nobody to answer.
    if (reason !== null && refusal !== 'connect-timeout') {
      reply =
        this.state === 'relaying'
          ? disconnectWith(this.protocolVersion, reason)
          : connackRefusal(this.protocolVersion, reason);
    }
    this.close(refusal, undefined, reply);
  }

  /** Tells a 5.0 vehicle why it must go (drain, shutdown) and closes; 3.1.1 is just closed. */
  disconnect(reason: number, label: string): void {
    this.close(label, undefined, disconnectWith(this.protocolVersion, reason));
  }

  private leavePreAuth(): void {
    if (this.preAuth) this.registry.preAuth.leave(this.preAuth);
    this.preAuth = undefined;
  }

  /**
   * The one place a connection ends: the final packet (if any) is written, both sockets are
   * ended and then destroyed if they do not finish (at once when the vehicle or broker has
   * stopped reading), and presence is removed for this connection only.
   */
  close(reason: string, err?: Error, lastWords?: Buffer | null): void {
    if (this.state === 'closed') return;
    const wasRelaying = this.state === 'relaying';
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    this.upShaper?.stop();
    this.downShaper?.stop();
    this.upMessages?.stop();
    this.downMessages?.stop();
    if (STALLED.has(reason)) {
      this.toVehicle?.stop();
      this.toBroker?.stop();
      destroyBoth(this.socket, this.upstream);
    } else {
      // Packets relayed earlier in the same chunk leave before the last words.
      this.toBroker?.flush();
      this.toVehicle?.flush();
      if (lastWords && !this.socket.destroyed) this.socket.end(lastWords);
      else this.socket.end();
      this.upstream?.end();
      setTimeout(destroyBoth, CLOSE_FLUSH_MS, this.socket, this.upstream).unref();
    }
    this.ctx.metrics.closes.inc({ reason });
    if (this.established) this.registry.established -= 1;
    this.leavePreAuth();
    this.logClose(reason, err);
    if (wasRelaying && this.presence && this.vehicleId) {
      const vehicleId = this.vehicleId;
      void this.presence
        .then((recorded) =>
          recorded ? this.ctx.presence.remove(vehicleId, this.id, reason) : false,
        )
        .catch((e: unknown) => this.log.warn({ err: e }, 'presence removal failed'));
    }
    this.registry.remove(this);
  }

  private logClose(reason: string, err: Error | undefined): void {
    const suppressed = this.logSource?.pending();
    const fields = {
      ...this.logFields(),
      reason,
      ...(this.broker ? { brokerId: this.broker.id } : {}),
      ...(err ? { err: err.message } : {}),
      ...(suppressed && Object.keys(suppressed).length > 0
        ? { suppressedRefusals: suppressed }
        : {}),
    };
    if (!this.established) {
      // Connections that never had a session close at an attacker's rate: budgeted.
      this.registry.log.log(undefined, 'closed-before-session', 'debug', fields, 'closed');
      return;
    }
    const level = err && !['vehicle-error', 'broker-error'].includes(reason) ? 'warn' : 'info';
    this.ctx.logger[level](fields, 'closed');
  }
}
