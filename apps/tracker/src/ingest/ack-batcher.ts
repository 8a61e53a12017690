import type { Logger } from '@roadcast/observability';
import type { AppliedAck } from '@roadcast/campaigns';
import type { ParsedAck } from './parse-ack.js';

export interface PendingAck<T = ParsedAck> {
  ack: T;
  release(): void;
}

/** Defaults are acks; status reports use the same batching with their own item and result. */
export interface AckBatcherOptions<T = ParsedAck, R = AppliedAck[]> {
  batchSize: number;
  flushIntervalMs: number;
  /** Batches applied at once; rows are locked in id order, so they never deadlock each other. */
  concurrency?: number;
  apply(acks: T[]): Promise<R>;
  /** Called after each committed batch (progress events, rollout), with the batch itself. */
  onApplied?(applied: R, batchSize: number, batch: T[]): void;
  logger: Logger;
  /** Delay before a failed batch is tried again (Postgres down, a lock timeout). */
  retryDelayMs?: number;
  /** What the items are, for the log (default "ack"). */
  itemName?: string;
}

/**
 * Collects acks and applies them in batches: when `batchSize` are waiting or the oldest has
 * waited `flushIntervalMs`. Each ack is released (PUBACK) only after its batch committed;
 * a failed batch is retried as a whole, so nothing is acknowledged that is not in Postgres.
 * Up to `concurrency` batches are in flight, so one batch's round trip to Postgres overlaps
 * the next one's work; acks arriving meanwhile form the following batches. Order between
 * batches does not matter: applying is monotonic.
 */
export class AckBatcher<T = ParsedAck, R = AppliedAck[]> {
  private waiting: PendingAck<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private readonly options: AckBatcherOptions<T, R>;

  constructor(options: AckBatcherOptions<T, R>) {
    this.options = options;
  }

  get size(): number {
    return this.waiting.length;
  }

  add(item: PendingAck<T>): void {
    this.waiting.push(item);
    this.schedule();
  }

  /** Applies everything waiting now, then stops; acks never released stay queued on the broker. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight.size > 0 || this.waiting.length > 0) {
      if (this.waiting.length > 0 && this.inFlight.size < this.concurrency) this.start();
      await Promise.race(this.inFlight);
    }
    this.closed = true;
  }

  private get concurrency(): number {
    return this.options.concurrency ?? 1;
  }

  /** Starts full batches while there is room; a partial batch waits for the flush timer. */
  private schedule(): void {
    if (this.closed) return;
    while (this.waiting.length >= this.options.batchSize && this.inFlight.size < this.concurrency) {
      this.start();
    }
    if (this.waiting.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.waiting.length > 0 && this.inFlight.size < this.concurrency) this.start();
        this.schedule();
      }, this.options.flushIntervalMs);
    }
  }

  private start(): void {
    const batch = this.waiting.splice(0, this.options.batchSize);
    if (batch.length === 0) return;
    const running: Promise<void> = this.applyUntilCommitted(batch).finally(() => {
      this.inFlight.delete(running);
      this.schedule();
    });
    this.inFlight.add(running);
  }

  private async applyUntilCommitted(batch: PendingAck<T>[]): Promise<void> {
    for (;;) {
      try {
        const acks = batch.map((p) => p.ack);
        const applied = await this.options.apply(acks);
        for (const item of batch) item.release();
        this.options.onApplied?.(applied, batch.length, acks);
        return;
      } catch (err) {
        const what = this.options.itemName ?? 'ack';
        this.options.logger.error(
          { err, items: batch.length },
          `${what} batch not applied; retrying`,
        );
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 1_000));
      }
    }
  }
}
