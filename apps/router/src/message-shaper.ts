import type { RawPacket } from '@roadcast/mqtt';
import { TokenBucket } from '@roadcast/policy';
import { Hold, type FlowControl } from './flow-control.js';

/** Where shaped packets go: the connection, told which direction they travel. */
export interface ShapedPacketSink {
  /** Hands one packet on; false when the connection ended and the rest can be dropped. */
  deliver(packet: RawPacket, upstream: boolean): boolean;
  /** The sender stayed over its rate for the whole grace period. */
  persistentlyOverRate(): void;
}

/** The empty queue, shared: nothing is ever pushed into an empty queue (see `push`). */
const NONE: RawPacket[] = [];

function releaseLater(shaper: MessageShaper): void {
  shaper.release();
}

/**
 * Shapes one direction of a connection to a rate of control packets: packets beyond the
 * bucket wait (reading stays paused meanwhile) and are handed on as tokens come, so the
 * other side never sees more than the rate, whatever arrived in one chunk. A sender that is
 * held back for `graceMs` without its bucket refilling even once is reported to the sink.
 * The shaper holds no closures: an idle connection pays for its numbers only.
 */
export class MessageShaper {
  private readonly bucket: TokenBucket;
  private readonly flow: FlowControl;
  private readonly sink: ShapedPacketSink;
  private readonly upstream: boolean;
  private graceMs: number;
  private queue: RawPacket[] = NONE;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Since when the sender has been over its rate, 0 when it is not. */
  private overSince = 0;

  constructor(options: {
    perSecond: number;
    burst: number;
    graceMs?: number;
    flow: FlowControl;
    sink: ShapedPacketSink;
    /** Vehicle to broker; only that direction is ever disconnected for its rate. */
    upstream: boolean;
  }) {
    this.bucket = new TokenBucket(options.perSecond, options.burst);
    this.graceMs = options.graceMs ?? 0;
    this.flow = options.flow;
    this.sink = options.sink;
    this.upstream = options.upstream;
  }

  configure(perSecond: number, burst: number, graceMs = this.graceMs): void {
    this.bucket.configure(perSecond, burst);
    this.graceMs = graceMs;
  }

  get unlimited(): boolean {
    return this.bucket.unlimited;
  }

  /** Packets waiting for their tokens. */
  get queuedBytes(): number {
    let bytes = 0;
    for (const packet of this.queue) bytes += packet.raw.length;
    return bytes;
  }

  push(packets: RawPacket[]): void {
    if (this.stopped || packets.length === 0) return;
    if (this.queue.length === 0) {
      // A full bucket means the sender kept under its rate for a while: it is forgiven.
      if (this.overSince !== 0 && this.bucket.isFull()) this.overSince = 0;
      this.queue = packets;
    } else {
      for (const packet of packets) this.queue.push(packet);
    }
    if (this.timer === undefined) this.release();
  }

  release(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const available = this.bucket.available();
    const n = Math.min(this.queue.length, Math.max(0, Math.floor(available)));
    if (n > 0) {
      this.bucket.take(n);
      const ready = n === this.queue.length ? this.queue : this.queue.slice(0, n);
      this.queue = n === this.queue.length ? NONE : this.queue.slice(n);
      for (const packet of ready) if (!this.sink.deliver(packet, this.upstream)) return this.stop();
    }
    if (this.queue.length === 0) {
      this.flow.release(Hold.messageRate);
      return;
    }
    const now = Date.now();
    if (this.overSince === 0) this.overSince = now;
    else if (this.upstream && this.graceMs > 0 && now - this.overSince > this.graceMs) {
      this.sink.persistentlyOverRate();
      return;
    }
    this.flow.hold(Hold.messageRate);
    const missing = 1 - (available - n);
    const waitMs = Math.max(1, Math.ceil((missing / this.bucket.ratePerSecond) * 1000));
    this.timer = setTimeout(releaseLater, waitMs, this);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue = NONE;
  }
}
