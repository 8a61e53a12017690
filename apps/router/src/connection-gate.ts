import { AuthFailureBans, KeyedRateLimiter, TokenBucket, normalizeAddress } from '@roadcast/policy';
import type { ActivePolicy, PolicyState } from './policy-state.js';
import type { Refusal } from './refusals.js';

/**
 * The network rules of the policy, applied when a TCP connection arrives, before any TLS
 * work: who may connect at all (allow/deny lists, temporary bans) and how fast (per
 * address, per router, how many sessions at once).
 */
export class ConnectionGate {
  private readonly perIp: KeyedRateLimiter;
  private readonly global: TokenBucket;
  private readonly bans: AuthFailureBans;
  /** Connections refused at accept that still get a TLS handshake to hear why. */
  private readonly answers: TokenBucket;
  private readonly policy: PolicyState;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(policy: PolicyState, now: () => number = Date.now) {
    this.policy = policy;
    const p = policy.current.policy;
    this.perIp = new KeyedRateLimiter(
      p.network.connectsPerIp.perSecond,
      p.network.connectsPerIp.burst,
      now,
    );
    this.global = new TokenBucket(
      p.throttling.connects.perSecond,
      p.throttling.connects.burst,
      now,
    );
    this.bans = new AuthFailureBans(p.network.authFailureBan, now);
    this.answers = new TokenBucket(
      p.preAuth.refusalAnswers.perSecond,
      p.preAuth.refusalAnswers.burst,
      now,
    );
    policy.onChange((active) => this.configure(active));
    this.sweepTimer = setInterval(() => this.bans.sweep(), 30_000);
    this.sweepTimer.unref();
  }

  private configure({ policy: p }: ActivePolicy): void {
    this.perIp.configure(p.network.connectsPerIp.perSecond, p.network.connectsPerIp.burst);
    this.global.configure(p.throttling.connects.perSecond, p.throttling.connects.burst);
    this.bans.configure(p.network.authFailureBan);
    this.answers.configure(p.preAuth.refusalAnswers.perSecond, p.preAuth.refusalAnswers.burst);
  }

  /** Addresses refused before TLS: not allowed, denied, or banned. */
  screen(address: string): Refusal | null {
    const { allow, deny } = this.policy.current;
    const ip = normalizeAddress(address);
    if ((allow.size > 0 && !allow.contains(ip)) || deny.contains(ip)) return 'network-denied';
    if (this.bans.bannedFor(ip) > 0) return 'banned';
    return null;
  }

  /** Rate and quota checks for a new connection, given the sessions already established. */
  admit(address: string, establishedSessions: number): Refusal | null {
    const max = this.policy.current.policy.throttling.maxConnections;
    if (max > 0 && establishedSessions >= max) return 'max-connections';
    if (!this.perIp.allow(normalizeAddress(address))) return 'ip-connection-rate';
    if (!this.global.tryTake(1)) return 'connection-rate';
    return null;
  }

  /**
   * May a connection refused at accept still be answered in MQTT (TLS handshake, CONNACK
   * 0x9F or 0x97)? Within `preAuth.refusalAnswers`; beyond it, it is closed before TLS.
   */
  answerRefusal(): boolean {
    return this.answers.tryTake(1);
  }

  /**
   * Counts a failure before a session (authentication, TLS handshake, CONNECT deadline, a
   * refused CONNECT) towards a ban of the address; true when it started a ban.
   */
  recordFailure(address: string): boolean {
    return this.bans.recordFailure(normalizeAddress(address));
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }
}
