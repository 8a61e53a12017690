import { RoutingUnavailable, type RoutingError } from './routing-error.js';

export interface OutageGuardOptions {
  /** Names the dependency in errors. */
  name: string;
  /** A call that has not answered within this time counts as failed (default 250 ms). */
  timeoutMs?: number;
  /** After a failure, calls fail at once for this long before one is tried again (default 1 s). */
  retryAfterMs?: number;
  /** Whether the dependency can take a call right now, e.g. the client is connected. */
  isConnected?: () => boolean;
}

/**
 * Keeps a lookup path from waiting on a dependency that is down or hung: a call fails after
 * a short timeout, and for a moment after a failure every call fails at once, so a storm of
 * reconnecting vehicles meets the fallback instead of a queue of timers. The call that timed
 * out may still complete later; callers only use calls that are safe to repeat.
 */
export class OutageGuard {
  readonly name: string;
  private readonly timeoutMs: number;
  private readonly retryAfterMs: number;
  private readonly isConnected: () => boolean;
  private failedUntil = 0;

  constructor(options: OutageGuardOptions) {
    this.name = options.name;
    this.timeoutMs = options.timeoutMs ?? 250;
    this.retryAfterMs = options.retryAfterMs ?? 1_000;
    this.isConnected = options.isConnected ?? (() => true);
  }

  /** Whether a call would be tried now. */
  get available(): boolean {
    return Date.now() >= this.failedUntil && this.isConnected();
  }

  /** Notes a failure seen outside `run` (e.g. a write that errored). */
  noteFailure(): void {
    this.failedUntil = Date.now() + this.retryAfterMs;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (!this.available) throw this.unavailable();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.unavailable('timed out')), this.timeoutMs);
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (err) {
      this.noteFailure();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private unavailable(detail = 'unavailable'): RoutingError {
    return new RoutingUnavailable(`${this.name} ${detail}`);
  }
}
