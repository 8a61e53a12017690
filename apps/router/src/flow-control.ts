import type { Socket } from 'node:net';

/** Why reading from a socket is held; one bit each, so a connection holds a number, not a set. */
export const Hold = {
  /** The socket that receives what this one sends cannot take more. */
  toVehicleFull: 1,
  toBrokerFull: 2,
  /** A byte-rate bucket is empty. */
  throttle: 4,
  /** A message-rate bucket is empty. */
  messageRate: 8,
  /** The relay is not ready yet. */
  connecting: 16,
} as const;

/**
 * Reading from one socket stops while any reason holds: the other side cannot take more
 * (backpressure), a rate bucket is empty (throttle), or the relay is not ready yet.
 */
export class FlowControl {
  private held = 0;
  private readonly source: Socket;

  constructor(source: Socket) {
    this.source = source;
  }

  hold(reason: number): void {
    if (this.held === 0) this.source.pause();
    this.held |= reason;
  }

  release(reason: number): void {
    if ((this.held & reason) === 0) return;
    this.held &= ~reason;
    if (this.held === 0 && !this.source.destroyed) this.source.resume();
  }

  holds(reason: number): boolean {
    return (this.held & reason) !== 0;
  }

  /** Reading is held for some reason. */
  get paused(): boolean {
    return this.held !== 0;
  }

  /** Starts a socket that was handed over paused, unless something holds it already. */
  resumeIfFree(): void {
    if (this.held === 0 && !this.source.destroyed) this.source.resume();
  }
}
