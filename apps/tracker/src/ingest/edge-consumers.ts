import type { Logger } from '@roadcast/observability';
import type { EdgeTopology } from '@roadcast/routing';
import { EdgeAckConnection, type IncomingAck } from './edge-ack-connection.js';

export interface EdgeConsumersOptions {
  topology: EdgeTopology;
  instanceId: string;
  /** The tracker's identity on edge brokers. */
  credentials?: { username: string; password?: Buffer };
  shareGroup: string;
  ackFilter: string;
  /** Status reports come on the same connections (vehicles/+/status); none when absent. */
  statusFilter?: string;
  connectionsPerBroker: number;
  sessionExpirySeconds: number;
  receiveMaximum: number;
  onAck(ack: IncomingAck): void;
  logger: Logger;
}

/**
 * Keeps ack consumers on every edge broker Postgres lists, including draining and down ones:
 * a broker marked down may still hold acks in its sessions, and connecting to one that is
 * really gone only costs reconnect attempts. Brokers removed from the table are let go.
 * Client ids are stable per tracker instance, broker and slot, so a restarted tracker resumes
 * its sessions and receives what was queued for it. The list follows every reload of the
 * shared edge topology (its refresh policy is the shared infrastructure's).
 */
export class EdgeConsumers {
  private readonly connections = new Map<string, { url: string; slots: EdgeAckConnection[] }>();
  private stopFollowing: (() => void) | undefined;
  /** Syncs run one after the other, each on the snapshot of its time. */
  private syncing: Promise<void> = Promise.resolve();
  private readonly options: EdgeConsumersOptions;

  constructor(options: EdgeConsumersOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    await this.queueSync();
    this.stopFollowing = this.options.topology.onRefresh(() => {
      this.queueSync().catch((err: unknown) =>
        this.options.logger.warn({ err }, 'edge broker list not refreshed'),
      );
    });
  }

  /** Broker ids with at least one live consumer connection. */
  connectedBrokers(): string[] {
    return [...this.connections.entries()]
      .filter(([, c]) => c.slots.some((s) => s.connected))
      .map(([id]) => id);
  }

  get brokerCount(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    this.stopFollowing?.();
    await this.syncing.catch(() => undefined);
    await Promise.all([...this.connections.values()].flatMap((c) => c.slots.map((s) => s.close())));
    this.connections.clear();
  }

  private queueSync(): Promise<void> {
    this.syncing = this.syncing.catch(() => undefined).then(() => this.sync());
    return this.syncing;
  }

  private async sync(): Promise<void> {
    const wanted = new Map<string, string>();
    for (const pool of this.options.topology.pools()) {
      for (const broker of pool.brokers) wanted.set(broker.id, broker.url);
    }
    for (const [id, current] of this.connections) {
      if (wanted.get(id) === current.url) continue;
      this.connections.delete(id);
      await Promise.all(current.slots.map((s) => s.close()));
      this.options.logger.info({ brokerId: id }, 'stopped consuming acks from edge broker');
    }
    for (const [id, url] of wanted) {
      if (this.connections.has(id)) continue;
      const slots = Array.from({ length: this.options.connectionsPerBroker }, (_, slot) => {
        const connection = new EdgeAckConnection({
          brokerId: id,
          url,
          clientId: `roadcast-${this.options.instanceId}-${id}-${slot}`.slice(0, 64),
          ...this.options.credentials,
          filter: [this.options.ackFilter, this.options.statusFilter ?? []]
            .flat()
            .map((f) => `$share/${this.options.shareGroup}/${f}`),
          sessionExpirySeconds: this.options.sessionExpirySeconds,
          receiveMaximum: this.options.receiveMaximum,
          onAck: this.options.onAck,
          logger: this.options.logger,
        });
        connection.start();
        return connection;
      });
      this.connections.set(id, { url, slots });
    }
  }
}
