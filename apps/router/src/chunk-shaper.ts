import { TokenBucket } from '@roadcast/policy';
import { Hold, type FlowControl } from './flow-control.js';

/**
 * Shapes one direction of a relay to its byte rates. Every chunk read passes the
 * connection's bucket and the router's shared bucket; a chunk that overdraws them waits
 * until they are out of debt before it is handled, and reading stays paused meanwhile, so
 * the stream is slowed to the rate, never cut or dropped.
 */
export class ChunkShaper {
  private readonly own: TokenBucket;
  private readonly shared: TokenBucket;
  private readonly flow: FlowControl;
  private readonly handle: (chunk: Buffer) => void;
  private readonly onThrottled: ((ms: number) => void) | undefined;
  private readonly queue: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: {
    bytesPerSecond: number;
    burst: number;
    shared: TokenBucket;
    flow: FlowControl;
    handle: (chunk: Buffer) => void;
    /** Told how long each held chunk waits, for the throttling metric. */
    onThrottled?: (ms: number) => void;
  }) {
    this.own = new TokenBucket(
      options.bytesPerSecond,
      burst(options.bytesPerSecond, options.burst),
    );
    this.shared = options.shared;
    this.flow = options.flow;
    this.handle = options.handle;
    this.onThrottled = options.onThrottled;
  }

  /** A new rate; the burst is at least one whole packet so any packet can pass. */
  configure(bytesPerSecond: number, maxPacketSize: number): void {
    this.own.configure(bytesPerSecond, burst(bytesPerSecond, maxPacketSize));
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.queue.length === 0 && this.own.unlimited && this.shared.unlimited) {
      this.handle(chunk);
      return;
    }
    this.queue.push(chunk);
    if (this.timer === undefined) this.release();
  }

  private release(): void {
    this.timer = undefined;
    while (this.queue.length > 0 && !this.stopped) {
      const chunk = this.queue.shift()!;
      const wait = Math.max(this.own.take(chunk.length), this.shared.take(chunk.length));
      if (wait > 0) {
        this.onThrottled?.(wait);
        this.flow.hold(Hold.throttle);
        this.timer = setTimeout(() => {
          if (this.stopped) return;
          this.handle(chunk);
          this.release();
        }, wait);
        return;
      }
      this.handle(chunk);
    }
    this.flow.release(Hold.throttle);
  }

  /** Bytes of chunks waiting for their turn. */
  get queuedBytes(): number {
    let bytes = 0;
    for (const chunk of this.queue) bytes += chunk.length;
    return bytes;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

function burst(bytesPerSecond: number, maxPacketSize: number): number {
  return Math.max(bytesPerSecond, maxPacketSize);
}
