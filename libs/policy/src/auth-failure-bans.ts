export interface BanSettings {
  maxFailures: number;
  windowSeconds: number;
  /** 0 turns banning off. */
  banSeconds: number;
}

interface Record {
  failures: number[];
  bannedUntil: number;
}

/**
 * Fail2ban for the vehicle listener: an address that fails authentication maxFailures times
 * within the window is refused for banSeconds. Bans expire by themselves.
 */
export class AuthFailureBans {
  private readonly records = new Map<string, Record>();
  private settings: BanSettings;
  private readonly now: () => number;

  constructor(settings: BanSettings, now: () => number = Date.now) {
    this.settings = settings;
    this.now = now;
  }

  configure(settings: BanSettings): void {
    this.settings = settings;
  }

  /** Counts one failure; true when this failure started a ban. */
  recordFailure(address: string): boolean {
    if (this.settings.banSeconds <= 0) return false;
    const now = this.now();
    const record = this.records.get(address) ?? { failures: [], bannedUntil: 0 };
    const since = now - this.settings.windowSeconds * 1000;
    record.failures = record.failures.filter((t) => t > since);
    record.failures.push(now);
    this.records.set(address, record);
    if (record.failures.length >= this.settings.maxFailures && record.bannedUntil <= now) {
      record.bannedUntil = now + this.settings.banSeconds * 1000;
      record.failures = [];
      return true;
    }
    return false;
  }

  /** Milliseconds the address stays banned, 0 when it is not. */
  bannedFor(address: string): number {
    const record = this.records.get(address);
    if (!record) return 0;
    const left = record.bannedUntil - this.now();
    if (left > 0) return left;
    if (record.failures.length === 0) this.records.delete(address);
    return 0;
  }

  /** Forgets expired bans and old failures. */
  sweep(): void {
    const now = this.now();
    const since = now - this.settings.windowSeconds * 1000;
    for (const [address, record] of this.records) {
      record.failures = record.failures.filter((t) => t > since);
      if (record.bannedUntil <= now && record.failures.length === 0) this.records.delete(address);
    }
  }

  get size(): number {
    return this.records.size;
  }
}
