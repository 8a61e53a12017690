import type { EdgeBrokerInfo, EdgePoolInfo } from './edge-topology.js';
import { rendezvousRank } from './rendezvous.js';

/**
 * The pool's active brokers that pass the health check, best first for this vehicle. The
 * first is where the vehicle's session lives; the rest are the fallbacks in order, and the
 * order among them does not change when the first goes down, so a failed-over vehicle keeps
 * meeting the same session while the outage lasts.
 */
export function rankBrokers(
  vehicleId: string,
  pool: EdgePoolInfo,
  isHealthy: (brokerId: string) => boolean = () => true,
): EdgeBrokerInfo[] {
  return rendezvousRank(
    vehicleId,
    pool.brokers.filter((b) => b.state === 'active' && isHealthy(b.id)),
  );
}

/** The broker inside the pool for this vehicle, or undefined when none is active and healthy. */
export function chooseBroker(
  vehicleId: string,
  pool: EdgePoolInfo,
  isHealthy?: (brokerId: string) => boolean,
): EdgeBrokerInfo | undefined {
  return rankBrokers(vehicleId, pool, isHealthy)[0];
}
