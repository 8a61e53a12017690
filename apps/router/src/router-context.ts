import type { Logger } from '@roadcast/observability';
import type { TokenBucket } from '@roadcast/policy';
import type { EdgeTopology, PresenceWriter, StickyAssignments } from '@roadcast/routing';
import type { BrokerHealth } from './broker-health.js';
import type { ConnectionGate } from './connection-gate.js';
import type { RouterMetrics } from './metrics.js';
import type { PolicyState } from './policy-state.js';
import type { IdentitySource } from './vehicle-identity.js';

/** What every connection of one router shares. */
export interface RouterContext {
  routerId: string;
  logger: Logger;
  metrics: RouterMetrics;
  policy: PolicyState;
  gate: ConnectionGate;
  topology: EdgeTopology;
  sticky: StickyAssignments;
  /** Presence writes; queued while Redis is away, never fatal to a session. */
  presence: PresenceWriter;
  health: BrokerHealth;
  /** Byte rates shared by all connections of this router. */
  throttle: { up: TokenBucket; down: TokenBucket };
  identity: { source: IdentitySource; idPattern: RegExp };
  /**
   * How vehicle sessions are opened on edge brokers; `username` is the router's identity
   * (the vehicle id when absent), the vehicle id is always the client id.
   */
  broker: { connectTimeoutMs: number; username?: string; password?: Buffer };
  isStopping(): boolean;
}
