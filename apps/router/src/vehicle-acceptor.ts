import type { Socket } from 'node:net';
import type { ConnectionRegistry } from './connection-registry.js';
import type { PreAuthSlot } from './pre-auth-budget.js';
import { readProxyHeader } from './proxy-header-reader.js';
import type { Refusal } from './refusals.js';
import type { RouterContext } from './router-context.js';

/** What was decided about a raw connection before any TLS work. */
export interface Accepted {
  /** The source address: from a PROXY header when a trusted balancer sent one. */
  address: string;
  /** A rate or quota refusal, answered in MQTT once the CONNECT names its version. */
  admission: Refusal | null;
  slot: PreAuthSlot;
}

function ignore(): void {}

// Listeners shared by every connection: the socket carries its slot, so accepting one
// allocates no closures that would live as long as the connection.
const slotOf = Symbol('preAuthSlot');
type Slotted = Socket & { [slotOf]?: PreAuthSlot };
function leaveOnClose(this: Slotted): void {
  const slot = this[slotOf];
  slot?.budget.leave(slot);
}

/**
 * The accept path of every vehicle listener, before any TLS work: the pre-authentication
 * budget, the PROXY header of a trusted balancer, network rules and bans, per-address
 * budget, then connection rates and the session quota. Only a connection that passes (or
 * whose refusal may still be answered) is handed on to the TLS handshake.
 */
export class VehicleAcceptor {
  private readonly ctx: RouterContext;
  private readonly registry: ConnectionRegistry;

  constructor(ctx: RouterContext, registry: ConnectionRegistry) {
    this.ctx = ctx;
    this.registry = registry;
  }

  accept(socket: Socket, handOver: (socket: Socket, accepted: Accepted) => void): void {
    const own = socket.remoteAddress ?? '';
    // Until the TLS layer or the connection takes the socket over, its errors only close it.
    socket.on('error', ignore);
    const slot = this.registry.preAuth.enter();
    if (!slot) return this.drop(socket, 'preauth-saturated', own);
    (socket as Slotted)[slotOf] = slot;
    socket.once('close', leaveOnClose);
    const active = this.ctx.policy.current;
    const proxy = active.policy.network.proxyProtocol;
    if (proxy.trustedSources.length === 0) return this.admit(socket, own, slot, handOver);
    const trusted = active.proxyTrusted.contains(own);
    readProxyHeader(
      socket,
      { trusted, required: proxy.required, timeoutMs: active.policy.protocol.connectTimeoutMs },
      (outcome) => {
        if ('closed' in outcome) return;
        if ('address' in outcome) return this.admit(socket, outcome.address, slot, handOver);
        this.drop(socket, outcome.refusal, own, outcome.detail);
        // Only a direct client's own address is to blame; a balancer's stands for many vehicles.
        if (!trusted) this.registry.recordFailure(own);
      },
    );
  }

  private admit(
    socket: Socket,
    address: string,
    slot: PreAuthSlot,
    handOver: (socket: Socket, accepted: Accepted) => void,
  ): void {
    const { gate } = this.ctx;
    const screened = gate.screen(address);
    if (screened) return this.drop(socket, screened, address);
    if (!this.registry.preAuth.enterAddress(slot, address))
      return this.drop(socket, 'preauth-address-saturated', address);
    const admission = gate.admit(address, this.registry.established);
    // An answer costs a handshake: within a small rate the vehicle hears why, beyond it not.
    if (admission && !gate.answerRefusal())
      return this.drop(socket, admission, address, 'closed before TLS');
    handOver(socket, { address, admission, slot });
  }

  private drop(socket: Socket, refusal: Refusal, address: string, detail?: string): void {
    this.ctx.metrics.countRefusal(refusal);
    this.registry.log.log(
      undefined,
      refusal,
      'info',
      { address, refusal, ...(detail ? { detail } : {}) },
      'refused',
    );
    socket.destroy();
  }
}
