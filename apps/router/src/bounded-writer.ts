import type { Socket } from 'node:net';
import type { FlowControl } from './flow-control.js';

const NOTHING: Buffer[] = [];

function flushLater(writer: BoundedWriter): void {
  writer.flush();
}

/**
 * The one way bytes reach a socket, relayed or the router's own. Writes are gathered until
 * the event loop has handled everything that is ready and then leave as one buffer: a TLS
 * socket delivers each record as its own chunk, so packets that arrived together still cost
 * one system call (and one TLS record) instead of one each.
 *
 * Above the high-water mark (bytes gathered plus bytes the socket holds) every flow that
 * can produce bytes for this socket stops reading until the socket drains, so what the
 * router holds for one socket stays near the mark however fast the other sides send, and
 * however little this socket's peer reads. `stalledSince` tells how long that has lasted.
 * An idle writer holds no closures and no buffers.
 */
export class BoundedWriter {
  private readonly target: Socket;
  private readonly feeders: FlowControl[];
  private readonly reason: number;
  private highWaterMark: number;
  private gathered: Buffer[] = NOTHING;
  private gatheredBytes = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private waitingForDrain = false;
  private onDrain: (() => void) | undefined;
  /** When the feeders were last held for this socket (ms since epoch), 0 when they are not. */
  stalledSince = 0;

  constructor(target: Socket, feeders: FlowControl[], reason: number, highWaterMark: number) {
    this.target = target;
    this.feeders = feeders;
    this.reason = reason;
    this.highWaterMark = highWaterMark;
  }

  setHighWaterMark(bytes: number): void {
    this.highWaterMark = bytes;
  }

  /** Bytes held for this socket: gathered and not yet written, or written and not yet sent. */
  get pendingBytes(): number {
    return this.gatheredBytes + this.target.writableLength;
  }

  write(data: Buffer): void {
    if (this.gathered === NOTHING) this.gathered = [data];
    else this.gathered.push(data);
    this.gatheredBytes += data.length;
    this.scheduled ??= setImmediate(flushLater, this);
    // Held at once, not at the flush: the rest of the chunk being handled still completes,
    // but nothing more is read meanwhile.
    if (this.stalledSince === 0 && this.pendingBytes > this.highWaterMark) this.hold();
  }

  /** Sends what was gathered now (also before a socket is ended). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.gatheredBytes > 0) {
      const data =
        this.gathered.length === 1
          ? this.gathered[0]!
          : Buffer.concat(this.gathered, this.gatheredBytes);
      this.gathered = NOTHING;
      this.gatheredBytes = 0;
      if (!this.target.destroyed && !this.target.writableEnded) this.target.write(data);
    }
    this.settle();
  }

  private settle(): void {
    if (this.target.writableLength <= this.highWaterMark || this.target.destroyed) {
      if (this.stalledSince !== 0) this.release();
      return;
    }
    if (this.stalledSince === 0) this.hold();
    // Above the mark means above the socket's own high-water mark too: `drain` will come.
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      // Made while waiting only: a writer that never fills its socket never needs it.
      this.onDrain ??= () => {
        this.waitingForDrain = false;
        this.settle();
      };
      this.target.once('drain', this.onDrain);
    }
  }

  private hold(): void {
    this.stalledSince = Date.now();
    for (const feeder of this.feeders) feeder.hold(this.reason);
  }

  private release(): void {
    this.stalledSince = 0;
    for (const feeder of this.feeders) feeder.release(this.reason);
  }

  /** Drops what was not written yet, for a connection being torn down. */
  stop(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.gathered = NOTHING;
    this.gatheredBytes = 0;
  }
}
