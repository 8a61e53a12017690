/**
 * Brokers this router recently failed to reach. A failed broker is skipped for a hold-down
 * period, so vehicles go straight to their next broker instead of each waiting for a timeout.
 */
export class BrokerHealth {
  private readonly downUntil = new Map<string, number>();
  private readonly holdDownMs: number;
  private readonly now: () => number;

  constructor(holdDownMs: number, now: () => number = Date.now) {
    this.holdDownMs = holdDownMs;
    this.now = now;
  }

  markDown(brokerId: string): void {
    this.downUntil.set(brokerId, this.now() + this.holdDownMs);
  }

  markUp(brokerId: string): void {
    this.downUntil.delete(brokerId);
  }

  isHealthy = (brokerId: string): boolean => {
    const until = this.downUntil.get(brokerId);
    if (until === undefined) return true;
    if (until > this.now()) return false;
    this.downUntil.delete(brokerId);
    return true;
  };
}
