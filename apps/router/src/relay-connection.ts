import type { Packet, ProtocolVersion } from '@roadcast/mqtt';
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
  /** A rate or quota refusal decided at accept time, answered at CONNECT. */
  readonly admission: Refusal | null;
  readonly state: ConnectionState;
  /** A logger bound to this connection, for rare lines: made on use, never kept. */
  readonly log: Logger;
  /** Connection id, address and vehicle id, for lines logged on every connection. */
  logFields(): Record<string, unknown>;
  protocolVersion: ProtocolVersion;
  readonly vehicleId: string | undefined;
  readonly role: string;
  poolId: string | undefined;
  /** SUBSCRIBE packet id → codes already decided by the router (null: the broker decides). */
  pendingSubscribes: Map<number, Array<number | null>> | undefined;
  /** MQTT 5 topic aliases the vehicle set, so aliased PUBLISHes are checked like any other. */
  topicAliases: Map<number, string> | undefined;
  isClosed(): boolean;
  /** Decodes a whole packet in this connection's version; undefined after refusing it as malformed. */
  decode(raw: Buffer): Packet | undefined;
  identify(vehicleId: string, role: string): void;
  /** CONNECT accepted by policy; false when the router is full and the vehicle was refused. */
  beginConnecting(keepAliveSeconds: number): boolean;
  startRelay(session: UpstreamSession, broker: EdgeBrokerInfo, connack: Buffer): void;
  notePresence(recorded: Promise<boolean>): void;
  sendToBroker(data: Buffer): void;
  sendToVehicle(data: Buffer): void;
  deny(refusal: Refusal, detail?: string): void;
  refuse(refusal: Refusal, detail?: string): void;
  close(reason: string, err?: Error, lastWords?: Buffer | null): void;
}
