import { ReasonCode } from '@roadcast/mqtt';
import type { RouterContext } from './router-context.js';
import type { VehicleConnection } from './vehicle-connection.js';

/**
 * Moves vehicles off brokers and pools that operators drain (or that were removed): a few
 * at a time, at the policy's rate, each told 0x9C "use another server" when it speaks 5.0.
 * Their next CONNECT is routed by the updated topology; the tracker re-sends what the old
 * session held.
 */
export class DrainController {
  private timer: NodeJS.Timeout | undefined;
  /** Vehicles an operator pinned or moved since the last pass. */
  private readonly moved = new Set<string>();
  private readonly ctx: RouterContext;
  private readonly connections: () => Iterable<VehicleConnection>;

  constructor(ctx: RouterContext, connections: () => Iterable<VehicleConnection>) {
    this.ctx = ctx;
    this.connections = connections;
  }

  /** Why this connection must move, or null when it may stay. */
  reasonToMove(conn: VehicleConnection): string | null {
    if (conn.state !== 'relaying' || !conn.broker || !conn.poolId) return null;
    const { topology } = this.ctx;
    const pool = topology.pool(conn.poolId);
    if (!pool) return 'pool-removed';
    if (pool.state !== 'active') return `pool-${pool.state}`;
    const broker = topology.broker(conn.broker.id);
    if (!broker || broker.poolId !== conn.poolId) return 'broker-removed';
    if (broker.state !== 'active') return `broker-${broker.state}`;
    return null;
  }

  /** One pass: disconnects at most `limit` connections that must move; returns how many. */
  sweep(limit: number): number {
    let moved = 0;
    for (const conn of this.connections()) {
      if (moved >= limit) break;
      const reason = this.reasonToMove(conn);
      if (!reason) continue;
      conn.disconnect(ReasonCode.useAnotherServer, `drain-${reason}`);
      this.ctx.metrics.drained.inc({ reason });
      moved += 1;
    }
    return moved;
  }

  /** An operator pinned or moved this vehicle; a connection to its old pool must follow. */
  noteMoved(vehicleId: string): void {
    this.moved.add(vehicleId);
  }

  /**
   * Disconnects (up to `limit`) connected vehicles whose assigned pool is no longer the one
   * they are connected to; vehicles beyond the limit wait for the next pass.
   */
  async sweepMoved(limit: number): Promise<number> {
    if (this.moved.size === 0 || limit <= 0) return 0;
    const byVehicle = new Map<string, VehicleConnection>();
    for (const conn of this.connections()) {
      if (conn.state === 'relaying' && conn.vehicleId && this.moved.has(conn.vehicleId))
        byVehicle.set(conn.vehicleId, conn);
    }
    let count = 0;
    for (const vehicleId of [...this.moved]) {
      if (count >= limit) break;
      this.moved.delete(vehicleId);
      const conn = byVehicle.get(vehicleId);
      if (!conn) continue;
      const poolId = await this.ctx.sticky.poolFor(vehicleId);
      if (poolId === conn.poolId || conn.isClosed()) continue;
      conn.disconnect(ReasonCode.useAnotherServer, 'drain-reassigned');
      this.ctx.metrics.drained.inc({ reason: 'reassigned' });
      count += 1;
    }
    return count;
  }

  start(intervalMs: number): void {
    this.ctx.sticky.onChange((vehicleId) => this.noteMoved(vehicleId));
    let running = false;
    this.timer = setInterval(() => {
      if (running) return;
      running = true;
      const perSecond = this.ctx.policy.current.policy.drain.disconnectPerSecond;
      const limit = Math.max(1, Math.floor((perSecond * intervalMs) / 1000));
      const swept = this.sweep(limit);
      this.sweepMoved(limit - swept)
        .catch((err: unknown) => this.ctx.logger.warn({ err }, 'reassignment sweep failed'))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
