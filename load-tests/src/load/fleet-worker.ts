/**
 * A share of a simulated fleet in a process of its own: several of these play one fleet, so
 * the simulation has the machine's cores rather than one event loop, and the platform is what
 * a storm measures. Started and driven by `FleetProcesses`.
 */
import type { BrokerCredentials } from '@roadcast/testing';
import { SimulatedFleet, type SimulatedVehicleIdentity } from '@roadcast/vehicle-client';
import { serveWorker } from './worker-protocol.js';

export interface FleetShare {
  vehicles: SimulatedVehicleIdentity[];
  urls: string[];
  /** The login each vehicle presents straight to a broker that checks passwords. */
  brokerLogin?: BrokerCredentials;
  /** Notice-signing keys the vehicles trust, as key id and public key PEM. */
  trustedKeys: Array<[string, string]>;
  connectConcurrency: number;
  stepMs: [number, number];
  seed: number;
}

export interface FleetShareStats {
  vehicles: number;
  connected: number;
  resumed: number;
  shownTwice: number;
  installed: number;
  rejected: number;
}

let fleet: SimulatedFleet | undefined;

function current(): SimulatedFleet {
  if (!fleet) throw new Error('no fleet: send create first');
  return fleet;
}

serveWorker(
  {
    create: (share: FleetShare) => {
      fleet = new SimulatedFleet({
        vehicles: share.vehicles,
        url: share.urls,
        ...(share.brokerLogin ? { brokerLogin: share.brokerLogin } : {}),
        trustedKeys: new Map(share.trustedKeys),
        installedVersion: '1.0.0',
        stepMs: share.stepMs,
        connectConcurrency: share.connectConcurrency,
        seed: share.seed,
      });
      return share.vehicles.length;
    },
    connect: async ({ timeoutMs }: { timeoutMs: number }) => {
      await current().connect(undefined, timeoutMs);
      return current().stats().connected;
    },
    takeOffline: async ({ uncleanShare }: { uncleanShare: number }) => {
      await current().takeOffline(current().vehicles, uncleanShare);
      return true;
    },
    bringBack: ({ withinMs, maxConnecting }: { withinMs: number; maxConnecting: number }) => {
      current().bringBack(current().vehicles, withinMs, maxConnecting);
      return true;
    },
    stats: (): FleetShareStats => {
      const f = current();
      const stats = f.stats();
      return {
        vehicles: stats.vehicles,
        connected: stats.connected,
        resumed: f.vehicles.filter((v) => v.client.tlsSessionResumed).length,
        shownTwice: f.vehicles.filter((v) => [...v.seen.values()].some((n) => n > 1)).length,
        installed: stats.installed,
        rejected: stats.rejected,
      };
    },
    stop: async () => {
      await fleet?.stop();
      fleet = undefined;
      return true;
    },
  },
  async () => {
    await fleet?.stop();
  },
);
