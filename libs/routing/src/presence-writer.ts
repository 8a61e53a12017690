import { OutageGuard } from './outage-guard.js';
import type { Presence, PresenceStore } from './presence-store.js';

export interface PresenceWriterOptions {
  store: PresenceStore;
  /** This router: what it no longer holds may be removed whichever connection a record names. */
  routerId: string;
  /** Vehicles whose latest state may wait for Redis at once (default 100 000). */
  maxQueued?: number;
  /** How often a waiting state is tried again (default 1 s). */
  retryMs?: number;
  /** A write that has not answered within this time is queued (default 1 s). */
  timeoutMs?: number;
  /** Whether the Redis client is connected; writes are queued at once while it is not. */
  isConnected?: () => boolean;
  /** Counts for metrics. */
  onQueued?: (waiting: number) => void;
  onReplayed?: (count: number) => void;
  onDropped?: (count: number) => void;
}

/** States written at once while replaying. */
const REPLAY_BATCH = 100;

type Pending =
  | { kind: 'present'; presence: Presence }
  | { kind: 'gone'; connectionId: string; reason: string; at: string };

/**
 * The router's presence writes, never fatal to a session: a write Redis does not take is
 * kept as the vehicle's latest state (a newer connect or disconnect replaces it) and replayed
 * when Redis is back, oldest vehicle first. While anything waits, new writes queue behind it,
 * so a vehicle's states reach Redis in order. The queue holds at most `maxQueued` vehicles;
 * beyond that the oldest state is dropped and counted, and is repaired when the vehicle
 * next connects or the router restarts.
 */
export class PresenceWriter {
  private readonly store: PresenceStore;
  private readonly options: PresenceWriterOptions;
  private readonly guard: OutageGuard;
  private readonly pending = new Map<string, Pending>();
  /** A clean-up of this router's records that has yet to run, with its reason. */
  private clearReason: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private replaying: Promise<void> | undefined;

  constructor(options: PresenceWriterOptions) {
    this.store = options.store;
    this.options = options;
    this.guard = new OutageGuard({
      name: 'redis',
      timeoutMs: options.timeoutMs ?? 1_000,
      retryAfterMs: 0,
      ...(options.isConnected ? { isConnected: options.isConnected } : {}),
    });
  }

  /** Vehicles whose state waits for Redis. */
  get queued(): number {
    return this.pending.size + (this.clearReason === undefined ? 0 : 1);
  }

  /** Records a connected vehicle; resolves true once written or queued. */
  async record(presence: Presence): Promise<boolean> {
    await this.write(presence.vehicleId, { kind: 'present', presence });
    return true;
  }

  /** Removes the vehicle's record if this connection holds it; resolves once written or queued. */
  async remove(vehicleId: string, connectionId: string, reason = 'closed'): Promise<boolean> {
    const waiting = this.pending.get(vehicleId);
    // A newer connection of this vehicle is what Redis should end up with.
    if (waiting?.kind === 'present' && waiting.presence.connectionId !== connectionId) return false;
    if (waiting?.kind === 'gone') return false;
    const at = new Date().toISOString();
    return this.write(vehicleId, { kind: 'gone', connectionId, reason, at });
  }

  /**
   * Removes every record this router holds (at start, after a crash; at stop). It takes one
   * call per record, so it is not cut short by the write timeout; when Redis is not there,
   * the clean-up runs first once it is, before anything queued after it.
   */
  async clearRouter(reason: string): Promise<number> {
    if (this.queued === 0 && this.guard.available) {
      try {
        return await this.store.removeRouter(this.options.routerId, reason);
      } catch {
        // Queued below.
      }
    }
    this.clearReason = reason;
    this.pending.clear();
    this.changed();
    return 0;
  }

  /** Tries once more to write what waits, within `timeoutMs`; then stops retrying. */
  async close(timeoutMs = 2_000): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.queued === 0) return;
    await Promise.race([this.replay(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private async write(vehicleId: string, state: Pending): Promise<boolean> {
    if (this.queued === 0 && this.guard.available) {
      try {
        return await this.guard.run(() => this.apply(vehicleId, state));
      } catch {
        // Queued below; a write that timed out may still land, and replaying it is harmless.
      }
    }
    this.enqueue(vehicleId, state);
    return true;
  }

  private apply(vehicleId: string, state: Pending, replay = false): Promise<boolean> {
    if (state.kind === 'present') return this.store.record(state.presence).then(() => true);
    return this.store.remove(vehicleId, state.connectionId, state.reason, {
      at: state.at,
      // Replayed, the record may name an older connection of this router that was lost in
      // the meantime; written at once, only this connection's own record may go.
      ...(replay ? { routerId: this.options.routerId } : {}),
    });
  }

  private enqueue(vehicleId: string, state: Pending): void {
    this.pending.delete(vehicleId);
    this.pending.set(vehicleId, state);
    const max = this.options.maxQueued ?? 100_000;
    let dropped = 0;
    while (this.pending.size > max) {
      const oldest = this.pending.keys().next();
      if (oldest.done) break;
      this.pending.delete(oldest.value);
      dropped += 1;
    }
    if (dropped > 0) this.options.onDropped?.(dropped);
    this.changed();
  }

  private changed(): void {
    this.options.onQueued?.(this.queued);
    if (this.timer || this.queued === 0) return;
    this.timer = setInterval(() => {
      this.replaying ??= this.replay().finally(() => {
        this.replaying = undefined;
      });
    }, this.options.retryMs ?? 1_000);
    this.timer.unref();
  }

  private async replay(): Promise<void> {
    if (!this.guard.available) return;
    let replayed = 0;
    try {
      if (this.clearReason !== undefined) {
        const reason = this.clearReason;
        await this.store.removeRouter(this.options.routerId, reason);
        if (this.clearReason === reason) this.clearReason = undefined;
      }
      const states = [...this.pending];
      for (let start = 0; start < states.length; start += REPLAY_BATCH) {
        const batch = states
          .slice(start, start + REPLAY_BATCH)
          .filter(([vehicleId, state]) => this.pending.get(vehicleId) === state);
        // Taken out first: a state that arrives while this one is on its way queues anew.
        for (const [vehicleId] of batch) this.pending.delete(vehicleId);
        const results = await Promise.allSettled(
          batch.map(([vehicleId, state]) =>
            this.guard.run(() => this.apply(vehicleId, state, true)),
          ),
        );
        results.forEach((result, i) => {
          const [vehicleId, state] = batch[i]!;
          if (result.status === 'fulfilled') replayed += 1;
          else if (!this.pending.has(vehicleId)) this.pending.set(vehicleId, state);
        });
        if (results.some((r) => r.status === 'rejected')) return;
      }
    } catch {
      // Redis went away again; the next tick goes on where this one stopped.
    } finally {
      if (replayed > 0) this.options.onReplayed?.(replayed);
      this.options.onQueued?.(this.queued);
      if (this.queued === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }
  }
}
