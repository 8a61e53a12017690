/**
 * A counting semaphore: at most `size` QoS 1 publishes without PUBACK on one connection.
 * The size may shrink or grow when a broker announces its receive maximum.
 */
export class InflightWindow {
  private used = 0;
  private size: number;
  private readonly waiters: Array<() => void> = [];

  constructor(size: number) {
    this.size = Math.max(1, size);
  }

  /** Publishes awaiting their PUBACK. */
  get inUse(): number {
    return this.used;
  }

  get free(): number {
    return Math.max(0, this.size - this.used);
  }

  resize(size: number): void {
    this.size = Math.max(1, size);
    this.drain();
  }

  acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    this.used = Math.max(0, this.used - 1);
    this.drain();
  }

  private drain(): void {
    while (this.used < this.size && this.waiters.length > 0) {
      this.used += 1;
      this.waiters.shift()!();
    }
  }
}
