import {
  chooseBroker,
  type EdgeBrokerInfo,
  type EdgeTopology,
  type PresenceStore,
  type StickyAssignments,
} from '@roadcast/routing';

/**
 * Where each vehicle's notices go: the broker it is connected to now (presence), else the
 * broker of its sticky pool that holds its session (assigning a pool on first use). The
 * breaker is not consulted here: notices wait for the vehicle's own broker to come back
 * rather than land on a broker where no session will ever read them. Without Redis every
 * vehicle goes by its sticky pool (which falls back to Postgres): a vehicle failed over to
 * another broker gets the notice when it is back on its own, or from the tracker's re-send.
 */
export class BrokerResolver {
  private readonly topology: EdgeTopology;
  private readonly presence: PresenceStore;
  private readonly sticky: StickyAssignments;
  private readonly onPresenceUnavailable: ((vehicles: number) => void) | undefined;

  constructor(deps: {
    topology: EdgeTopology;
    presence: PresenceStore;
    sticky: StickyAssignments;
    /** Told how many vehicles were routed without presence because Redis was unavailable. */
    onPresenceUnavailable?: (vehicles: number) => void;
  }) {
    this.topology = deps.topology;
    this.presence = deps.presence;
    this.sticky = deps.sticky;
    this.onPresenceUnavailable = deps.onPresenceUnavailable;
  }

  /** Broker per vehicle id; vehicles without any active broker are missing from the map. */
  async resolve(vehicleIds: readonly string[]): Promise<Map<string, EdgeBrokerInfo>> {
    const out = new Map<string, EdgeBrokerInfo>();
    if (vehicleIds.length === 0) return out;
    await this.topology.refreshIfOlderThan(30_000);
    const present = await this.presence.brokersOf([...vehicleIds]).catch(() => {
      this.onPresenceUnavailable?.(vehicleIds.length);
      return new Map<string, string>();
    });
    const rest: string[] = [];
    for (const id of vehicleIds) {
      const brokerId = present.get(id);
      const broker = brokerId ? this.topology.broker(brokerId) : undefined;
      if (broker && broker.state !== 'down') out.set(id, broker);
      else rest.push(id);
    }
    if (rest.length === 0) return out;
    const pools = await this.sticky.poolsFor(rest);
    for (const id of rest) {
      const poolId = pools.get(id);
      const pool = poolId ? this.topology.pool(poolId) : undefined;
      const broker = pool ? chooseBroker(id, pool) : undefined;
      if (broker) out.set(id, broker);
    }
    return out;
  }
}
