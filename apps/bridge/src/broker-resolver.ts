import {
  chooseBroker,
  type EdgeBrokerInfo,
  type EdgeTopology,
  type PresenceStore,
  type StickyAssignments,
} from '@roadcast/routing';

export interface VehicleToResolve {
  vehicleId: string;
  /** The sticky pool as Postgres holds it, read with the delivery; null when unassigned. */
  poolId: string | null;
}

/**
 * Where each vehicle's notices go: the broker it is connected to now (presence), else the
 * broker of its sticky pool that holds its session. The pool stored with the vehicle is
 * used as read from Postgres, the source of truth, so a fan-out asks the sticky cache only
 * about vehicles without one (which assigns them). The breaker is not consulted here:
 * notices wait for the vehicle's own broker to come back rather than land on a broker
 * where no session will ever read them. Without Redis every vehicle goes by its sticky
 * pool: a vehicle failed over to another broker gets the notice when it is back on its
 * own, or from the tracker's re-send.
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

  /** The broker for each vehicle, by position; undefined where no broker is active. */
  async resolve(vehicles: readonly VehicleToResolve[]): Promise<Array<EdgeBrokerInfo | undefined>> {
    const out = new Array<EdgeBrokerInfo | undefined>(vehicles.length).fill(undefined);
    if (vehicles.length === 0) return out;
    await this.topology.refreshIfOlderThan(30_000);
    const present = await this.presence
      .brokersOf(vehicles.map((v) => v.vehicleId))
      .catch(() => {
        this.onPresenceUnavailable?.(vehicles.length);
        return new Map<string, string>();
      });
    const unassigned: number[] = [];
    for (let i = 0; i < vehicles.length; i += 1) {
      const { vehicleId, poolId } = vehicles[i]!;
      const brokerId = present.get(vehicleId);
      const connected = brokerId ? this.topology.broker(brokerId) : undefined;
      if (connected && connected.state !== 'down') {
        out[i] = connected;
        continue;
      }
      const pool = poolId ? this.topology.pool(poolId) : undefined;
      if (pool) out[i] = chooseBroker(vehicleId, pool);
      else unassigned.push(i);
    }
    if (unassigned.length === 0) return out;
    const pools = await this.sticky.poolsFor(unassigned.map((i) => vehicles[i]!.vehicleId));
    for (const i of unassigned) {
      const vehicleId = vehicles[i]!.vehicleId;
      const poolId = pools.get(vehicleId);
      const pool = poolId ? this.topology.pool(poolId) : undefined;
      out[i] = pool ? chooseBroker(vehicleId, pool) : undefined;
    }
    return out;
  }
}
