import type { ProtocolVersion } from '@roadcast/mqtt';
import type { ClientTopics } from '@roadcast/policy';
import type { Logger } from '@roadcast/observability';
import type { EdgeBrokerInfo } from '@roadcast/routing';
import type { Refusal } from './refusals.js';
import type { RouterContext } from './router-context.js';
import type { UpstreamSession } from './upstream.js';
import type { IdentityResult } from './vehicle-identity.js';

export type ConnectionState = 'awaiting-connect' | 'connecting' | 'relaying' | 'closed';

/** What packet handlers and session set-up may do with a vehicle connection. */
export interface RelayConnection {
  readonly id: string;
  readonly ctx: RouterContext;
  readonly address: string;
  readonly tlsIdentity: IdentityResult | null;
  readonly admission: Refusal | null;
  readonly state: ConnectionState;
  readonly log: Logger;
  protocolVersion: ProtocolVersion;
  readonly vehicleId: string | undefined;
  readonly role: string;
  poolId: string | undefined;
  readonly pendingSubscribes: Map<number, Array<number | null>>;
  readonly topicAliases: Map<number, string>;
  isClosed(): boolean;
  /** This client's topic allowlists under the policy in force. */
  topics(): ClientTopics;
  identify(vehicleId: string, role: string): void;
  beginConnecting(): void;
  startRelay(session: UpstreamSession, broker: EdgeBrokerInfo, connack: Buffer): void;
  notePresence(recorded: Promise<boolean>): void;
  sendToBroker(data: Buffer): void;
  sendToVehicle(data: Buffer): void;
  deny(refusal: Refusal, detail?: string): void;
  refuse(refusal: Refusal, detail?: string): void;
  close(reason: string, err?: Error, lastWords?: Buffer | null): void;
}
