export interface BackoffOptions {
  /** First delay in milliseconds. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Random source in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

/**
 * "Full jitter" exponential backoff: the n-th delay is uniform in [0, min(max, initial*2^n)].
 * When a tunnel ends for a whole motorway of cars at once, they spread their reconnects over
 * the window instead of arriving at the router together.
 */
export class ReconnectBackoff {
  private attempt = 0;
  private readonly options: Required<BackoffOptions>;

  constructor(options: BackoffOptions) {
    this.options = { random: Math.random, ...options };
  }

  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(this.options.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}
