import type { Socket } from 'node:net';

/**
 * Reading from one socket stops while any reason holds: the other side cannot take more
 * (backpressure), a rate bucket is empty (throttle), or the relay is not ready yet.
 */
export class FlowControl {
  private readonly reasons = new Set<string>();
  private readonly source: Socket;

  constructor(source: Socket) {
    this.source = source;
  }

  hold(reason: string): void {
    if (this.reasons.size === 0) this.source.pause();
    this.reasons.add(reason);
  }

  release(reason: string): void {
    if (!this.reasons.delete(reason)) return;
    if (this.reasons.size === 0 && !this.source.destroyed) this.source.resume();
  }

  holds(reason: string): boolean {
    return this.reasons.has(reason);
  }
}

/**
 * The one way bytes reach a socket. When the socket's buffer is full (`write` returns
 * false), the side that feeds it stops reading until `drain`, so memory per connection stays
 * bounded however fast the other side sends.
 *
 * Writes are gathered until the event loop has handled everything that is ready and then
 * leave as one buffer: a TLS socket delivers each record as its own chunk, so packets that
 * arrived together still cost one system call (and one TLS record) instead of one each.
 */
export class SocketWriter {
  private readonly target: Socket;
  private readonly feeder: FlowControl;
  private waiting = false;
  private gathered: Buffer[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(target: Socket, feeder: FlowControl) {
    this.target = target;
    this.feeder = feeder;
  }

  write(data: Buffer): void {
    this.gathered.push(data);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Sends what was gathered now (also before a socket is ended). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.gathered.length === 0) return;
    const data = this.gathered.length === 1 ? this.gathered[0]! : Buffer.concat(this.gathered);
    this.gathered = [];
    this.send(data);
  }

  private send(data: Buffer): void {
    if (this.target.destroyed || this.target.writableEnded) return;
    if (this.target.write(data) || this.waiting) return;
    this.waiting = true;
    this.feeder.hold('backpressure');
    this.target.once('drain', () => {
      this.waiting = false;
      this.feeder.release('backpressure');
    });
  }
}
