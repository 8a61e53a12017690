import { LogRateLimiter } from '@roadcast/observability';
import { PreAuthBudget } from './pre-auth-budget.js';
import type { RouterContext } from './router-context.js';
import type { VehicleConnection } from './vehicle-connection.js';

/** How often keep-alive and stall deadlines are checked; they are seconds long. */
const SWEEP_MS = 500;

/**
 * The live connections of one router and what applies across them: the pre-authentication
 * budget, the count of established sessions, the refusal log limits, and one timer that
 * judges every connection's keep-alive and stall deadlines (instead of timers per
 * connection).
 */
export class ConnectionRegistry {
  readonly connections = new Set<VehicleConnection>();
  readonly preAuth: PreAuthBudget;
  /** Refusal and other attacker-driven log lines go through this. */
  readonly log: LogRateLimiter;
  /** Sessions accepted by policy (connecting or relaying): what maxConnections bounds. */
  established = 0;
  private readonly ctx: RouterContext;
  private readonly onRemoved: ((conn: VehicleConnection) => void) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  /** `onRemoved` hears of every connection that ends, after it left the set. */
  constructor(ctx: RouterContext, onRemoved?: (conn: VehicleConnection) => void) {
    this.ctx = ctx;
    this.onRemoved = onRemoved;
    this.preAuth = new PreAuthBudget(ctx.policy);
    const logging = ctx.policy.current.policy.logging;
    this.log = new LogRateLimiter({
      logger: ctx.logger,
      intervalMs: logging.refusalIntervalMs,
      linesPerReason: logging.refusalLinesPerInterval,
      onSuppressed: (reason) => ctx.metrics.logSuppressed.inc({ reason }),
    });
    ctx.policy.onChange(({ policy }) =>
      this.log.configure({
        intervalMs: policy.logging.refusalIntervalMs,
        linesPerReason: policy.logging.refusalLinesPerInterval,
      }),
    );
    ctx.metrics.observe({
      preAuth: () => ({ open: this.preAuth.size, limit: this.preAuth.limit }),
      sessions: () => this.established,
      heldBytes: () => this.heldBytes(),
    });
  }

  add(conn: VehicleConnection): void {
    this.connections.add(conn);
    this.ctx.metrics.connections.set({ state: 'open' }, this.connections.size);
  }

  remove(conn: VehicleConnection): void {
    this.connections.delete(conn);
    this.ctx.metrics.connections.set({ state: 'open' }, this.connections.size);
    this.onRemoved?.(conn);
  }

  /** Counts a failure before a session towards a ban of the address, and reports a new ban. */
  recordFailure(address: string): void {
    if (!this.ctx.gate.recordFailure(address)) return;
    this.ctx.metrics.bans.inc();
    this.log.log(
      undefined,
      'address-banned',
      'warn',
      { address },
      'address banned after repeated failures',
    );
  }

  heldBytes(): { total: number; largest: number } {
    let total = 0;
    let largest = 0;
    for (const conn of this.connections) {
      const held = conn.heldBytes();
      total += held;
      if (held > largest) largest = held;
    }
    return { total, largest };
  }

  start(): void {
    this.sweepTimer = setInterval(() => {
      const now = Date.now();
      const limits = this.ctx.policy.current.policy.throttling;
      for (const conn of this.connections) conn.checkDeadlines(now, limits.stalledTimeoutMs);
    }, SWEEP_MS);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.log.close();
  }
}
