import type { ServerResponse } from 'node:http';

/** One server-sent event, encoded once and written to every stream as the same bytes. */
export interface EventFrame {
  id: string;
  bytes: Buffer;
}

export type DropReason = 'slow' | 'closed';

/** Orders canonical Redis stream ids (`ms-seq`, no leading zeros). */
export function compareStreamIds(a: string, b: string): number {
  const [am = '', as = ''] = a.split('-');
  const [bm = '', bs = ''] = b.split('-');
  return (
    am.length - bm.length ||
    (am < bm ? -1 : am > bm ? 1 : 0) ||
    as.length - bs.length ||
    (as < bs ? -1 : as > bs ? 1 : 0)
  );
}

/**
 * One client's event stream. Live events arrive from the process-wide fan-out; while the
 * stream is still catching up on its backlog they wait in a queue, then go out in order with
 * anything already written skipped. What the client has not read stays in the response's
 * own buffer; when that passes `maxBufferedBytes` the client is dropped, so a client that
 * never reads costs a bounded amount of memory.
 */
export class EventStream {
  private lastId: string | undefined;
  private catchingUp: boolean;
  private queued: EventFrame[] = [];
  private queuedBytes = 0;
  private ended = false;
  /** The largest unsent byte count seen, for tests and metrics. */
  peakBufferedBytes = 0;

  constructor(
    readonly keyId: string,
    private readonly res: ServerResponse,
    private readonly maxBufferedBytes: number,
    private readonly onEnd: (stream: EventStream, reason: DropReason) => void,
    resumeFrom: string | undefined,
  ) {
    this.lastId = resumeFrom;
    this.catchingUp = resumeFrom !== undefined;
    res.once('close', () => this.end('closed'));
  }

  get closed(): boolean {
    return this.ended;
  }

  get unsentBytes(): number {
    return this.res.writableLength + this.queuedBytes;
  }

  /** A live event from the fan-out. */
  deliver(frame: EventFrame): void {
    if (this.ended) return;
    if (this.catchingUp) {
      this.queued.push(frame);
      this.queuedBytes += frame.bytes.length;
      this.checkBound();
      return;
    }
    this.write(frame);
  }

  /** A backlog event; true while the client keeps up. */
  writeBacklog(frame: EventFrame): boolean {
    this.write(frame);
    return !this.ended;
  }

  /** Ends catching up: queued live events go out, later ones directly. */
  goLive(): void {
    this.catchingUp = false;
    const queued = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    for (const frame of queued) this.write(frame);
  }

  /** Resolves when the client has read what the response buffers, or the stream ended. */
  async drained(): Promise<void> {
    if (this.ended || !this.res.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  writeRaw(bytes: Buffer): void {
    if (this.ended) return;
    this.res.write(bytes);
    this.checkBound();
  }

  /** Ends the response (shutdown) or cuts the connection (a client too slow to keep). */
  end(reason: DropReason): void {
    if (this.ended) return;
    this.ended = true;
    this.queued = [];
    this.queuedBytes = 0;
    if (reason === 'slow') this.res.destroy();
    else this.res.end();
    this.onEnd(this, reason);
  }

  private write(frame: EventFrame): void {
    if (this.ended) return;
    if (this.lastId !== undefined && compareStreamIds(frame.id, this.lastId) <= 0) return;
    this.lastId = frame.id;
    this.res.write(frame.bytes);
    this.checkBound();
  }

  private checkBound(): void {
    const unsent = this.unsentBytes;
    if (unsent > this.peakBufferedBytes) this.peakBufferedBytes = unsent;
    if (unsent > this.maxBufferedBytes) this.end('slow');
  }
}
