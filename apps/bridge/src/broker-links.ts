import type { Logger } from 'pino';
import type { EdgeBrokerInfo } from '@roadcast/routing';
import { BrokerLink } from './broker-link.js';
import type { BrokerCredentials } from './broker-credentials.js';
import { CircuitBreaker } from './circuit-breaker.js';

export interface BrokerLinksOptions {
  connections: number;
  inflight: number;
  publishTimeoutMs: number;
  breakerFailureThreshold: number;
  breakerCooldownMs: number;
  clientIdPrefix: string;
  credentials?: BrokerCredentials;
  logger: Logger;
  /** Where each broker's publish→PUBACK times go. */
  ackLatency?(brokerId: string): (ms: number) => void;
}

export interface BrokerEntry {
  link: BrokerLink;
  breaker: CircuitBreaker;
}

/** One link and one circuit breaker per edge broker, opened on first use. */
export class BrokerLinks {
  private readonly entries = new Map<string, BrokerEntry>();
  private readonly options: BrokerLinksOptions;

  constructor(options: BrokerLinksOptions) {
    this.options = options;
  }

  get(broker: EdgeBrokerInfo): BrokerEntry {
    const existing = this.entries.get(broker.id);
    if (existing && existing.link.url === broker.url) return existing;
    if (existing) void existing.link.close();
    const entry: BrokerEntry = {
      link: new BrokerLink({
        brokerId: broker.id,
        url: broker.url,
        connections: this.options.connections,
        inflight: this.options.inflight,
        publishTimeoutMs: this.options.publishTimeoutMs,
        clientIdPrefix: this.options.clientIdPrefix,
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        logger: this.options.logger,
        ...(this.options.ackLatency ? { onAckLatency: this.options.ackLatency(broker.id) } : {}),
      }),
      breaker: new CircuitBreaker({
        failureThreshold: this.options.breakerFailureThreshold,
        cooldownMs: this.options.breakerCooldownMs,
      }),
    };
    this.entries.set(broker.id, entry);
    return entry;
  }

  /** Breaker state per broker, for metrics. */
  states(): Array<{ brokerId: string; state: string; connected: boolean; inflight: number }> {
    return [...this.entries].map(([brokerId, e]) => ({
      brokerId,
      state: e.breaker.state,
      connected: e.link.connected,
      inflight: e.link.inflight,
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.link.close()));
    this.entries.clear();
  }
}
