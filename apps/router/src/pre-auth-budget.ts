import { normalizeAddress } from '@roadcast/policy';
import type { PolicyState } from './policy-state.js';

/** One connection's place in the budget, from TCP accept until its session is accepted. */
export interface PreAuthSlot {
  readonly budget: PreAuthBudget;
  address: string | undefined;
  released: boolean;
}

/**
 * Connections whose identity is not established yet (TCP accepted, TLS handshake, waiting
 * for CONNECT) have their own small budget, across the router and per source address, so
 * that clients without a certificate can never occupy the places of vehicles: those are
 * counted by `throttling.maxConnections`, once a session is accepted.
 */
export class PreAuthBudget {
  private open = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly policy: PolicyState;

  constructor(policy: PolicyState) {
    this.policy = policy;
  }

  get size(): number {
    return this.open;
  }

  get limit(): number {
    return this.policy.current.policy.preAuth.maxConnections;
  }

  /** A place in the router-wide budget, or null when it is full. */
  enter(): PreAuthSlot | null {
    const max = this.limit;
    if (max > 0 && this.open >= max) return null;
    this.open += 1;
    return { budget: this, address: undefined, released: false };
  }

  /** Charges the slot to its source address (known after a PROXY header); false when full. */
  enterAddress(slot: PreAuthSlot, address: string): boolean {
    const max = this.policy.current.policy.preAuth.maxPerAddress;
    if (max <= 0) return true;
    const key = normalizeAddress(address);
    const count = this.perAddress.get(key) ?? 0;
    if (count >= max) return false;
    this.perAddress.set(key, count + 1);
    slot.address = key;
    return true;
  }

  leave(slot: PreAuthSlot): void {
    if (slot.released) return;
    slot.released = true;
    this.open -= 1;
    if (slot.address === undefined) return;
    const count = (this.perAddress.get(slot.address) ?? 1) - 1;
    if (count <= 0) this.perAddress.delete(slot.address);
    else this.perAddress.set(slot.address, count);
  }
}
