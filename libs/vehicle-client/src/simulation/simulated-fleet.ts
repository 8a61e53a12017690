import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { FileNoticeStore } from '../file-notice-store.js';
import { MemoryNoticeStore } from '../notice-store.js';
import { VehicleClient } from '../vehicle-client.js';
import { between, seededRandom } from './seeded-random.js';
import { SimulatedVehicle, type VehicleOutcome } from './simulated-vehicle.js';

export interface SimulatedVehicleIdentity {
  vehicleId: string;
  /** PEM certificate, key and fleet CA; omit for a plain broker. */
  tls?: { cert: string; key: string; ca: string };
}

export interface TunnelModel {
  /** Share of vehicles that drive through tunnels during the run (0..1). */
  share: number;
  /** How long a tunnel lasts. */
  offlineMs: readonly [number, number];
  /** Time between tunnels of one vehicle. */
  onlineMs: readonly [number, number];
  /** Share of drop-outs that end the socket without DISCONNECT (the rest disconnect cleanly). */
  uncleanShare: number;
}

export interface SimulatedFleetOptions {
  vehicles: SimulatedVehicleIdentity[];
  /**
   * The router, e.g. `mqtts://127.0.0.1:8883`. With several routers (as behind an L4
   * balancer), vehicles are spread over them in turn, each staying on its own.
   */
  url: string | readonly string[];
  trustedKeys: ReadonlyMap<string, KeyObject | string>;
  /** Keys whose legacy per-notice format the vehicles still accept (none by default). */
  legacyKeyIds?: ReadonlySet<string>;
  /** Straight to a broker that checks passwords: see `VehicleClientOptions.brokerLogin`. */
  brokerLogin?: { username: string; password: string };
  protocolVersion?: 4 | 5;
  /** Per-vehicle notice stores are files here; in memory when omitted. */
  storeDir?: string;
  /** The version each vehicle runs of every update, for the rollback check. */
  installedVersion?: string;
  stepMs?: readonly [number, number];
  /** Share of vehicles whose install fails (0..1). */
  failureRate?: number;
  /** Attempts of one campaign a failing vehicle fails before one succeeds (default: all). */
  failedAttempts?: number;
  /** Share of vehicles whose install never finishes: they go silent after `installing` (0..1). */
  stallRate?: number;
  /**
   * Share of vehicles that install but fall back to the version they ran before when they
   * reboot, and report so on their status topic (0..1; vehicles that report status, see
   * `components`).
   */
  bootFailureRate?: number;
  /**
   * When given, the vehicles report their status: these components, each at
   * `installedVersion` until they install another (a component a notice names joins them),
   * after every connect and after every install and reboot. Without it, no status is reported.
   */
  components?: readonly string[];
  tunnels?: TunnelModel;
  /** Vehicles connecting at once (TLS handshakes are expensive). */
  connectConcurrency?: number;
  seed?: number;
}

export interface FleetStats {
  vehicles: number;
  connected: number;
  /** Notices shown to vehicles' software (first time only). */
  notices: number;
  installed: number;
  failed: number;
  rejected: number;
  duplicates: number;
  tunnels: number;
}

/** How long a vehicle coming back may hold a connecting slot (see `bringBack`). */
const CONNECTING_SLOT_MS = 15_000;

/**
 * A fleet of simulated cars, each with its own SDK instance, certificate and persistent
 * session, an install behaviour and (for a share of them) tunnels: random offline periods
 * that end in a dropped socket or a clean disconnect. Used by the simulator command and by
 * end-to-end tests.
 */
export class SimulatedFleet {
  readonly vehicles: SimulatedVehicle[] = [];
  private readonly random: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private tunnelCount = 0;
  private stopped = false;

  constructor(private readonly options: SimulatedFleetOptions) {
    this.random = seededRandom(options.seed ?? 1);
    const failureRate = options.failureRate ?? 0;
    const stallRate = options.stallRate ?? 0;
    const bootFailureRate = options.bootFailureRate ?? 0;
    const urls = typeof options.url === 'string' ? [options.url] : options.url;
    if (urls.length === 0) throw new Error('a simulated fleet needs at least one router URL');
    for (const [index, identity] of options.vehicles.entries()) {
      const store = options.storeDir
        ? new FileNoticeStore(join(options.storeDir, `${identity.vehicleId}.json`))
        : new MemoryNoticeStore();
      const client = new VehicleClient({
        vehicleId: identity.vehicleId,
        url: urls[index % urls.length] as string,
        trustedKeys: options.trustedKeys,
        ...(options.legacyKeyIds ? { legacyKeyIds: options.legacyKeyIds } : {}),
        store,
        protocolVersion: options.protocolVersion ?? 5,
        ...(identity.tls ? { tls: identity.tls } : {}),
        ...(options.brokerLogin ? { brokerLogin: options.brokerLogin } : {}),
        ...(options.installedVersion ? { installedVersion: () => options.installedVersion } : {}),
        // The car's software answers for what it runs, fallen-back versions included.
        ...(options.components ? { status: () => vehicle.statusReport() } : {}),
        reconnect: { initialMs: 500, maxMs: 10_000, random: this.random },
      });
      const vehicle: SimulatedVehicle = new SimulatedVehicle(
        client,
        {
          stepMs: options.stepMs ?? [200, 1_000],
          fails: this.random() < failureRate,
          failureReason: 'simulated install failure',
          failedAttempts: options.failedAttempts ?? Infinity,
          // Drawn only when asked for, so a seed gives the fleets it gave before.
          stalls: stallRate > 0 && this.random() < stallRate,
          bootFails: bootFailureRate > 0 && this.random() < bootFailureRate,
        },
        this.random,
        options.components
          ? {
              components: options.components,
              ...(options.installedVersion ? { baseVersion: options.installedVersion } : {}),
            }
          : undefined,
      );
      this.vehicles.push(vehicle);
    }
  }

  /** Whether this vehicle was configured to fail its (first) install. */
  expectedOutcome(vehicleId: string): VehicleOutcome {
    const vehicle = this.vehicles.find((v) => v.vehicleId === vehicleId);
    return vehicle?.behaviour.fails ? 'failed' : 'installed';
  }

  /** Connects the given vehicles (all by default), a few at a time, waiting for each. */
  async connect(vehicles: SimulatedVehicle[] = this.vehicles, timeoutMs = 30_000): Promise<void> {
    const queue = [...vehicles];
    const concurrency = this.options.connectConcurrency ?? 20;
    const worker = async () => {
      for (let v = queue.shift(); v; v = queue.shift()) {
        if (v.client.connected) continue;
        const connected = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`${v.vehicleId} did not connect`)),
            timeoutMs,
          );
          v.client.once('connected', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        await v.client.start();
        await connected;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** Starts the tunnel model: a share of vehicles drop out and come back at random. */
  startTunnels(): void {
    const model = this.options.tunnels;
    if (!model || model.share <= 0) return;
    for (const vehicle of this.vehicles) {
      if (this.random() >= model.share) continue;
      const drive = () => {
        this.schedule(between(this.random, model.onlineMs), async () => {
          this.tunnelCount += 1;
          await vehicle.client.goOffline({ clean: this.random() >= model.uncleanShare });
          this.schedule(between(this.random, model.offlineMs), async () => {
            vehicle.client.goOnline();
            drive();
          });
        });
      };
      drive();
    }
  }

  /** Takes vehicles offline now (a tunnel at the start of a campaign). */
  async takeOffline(vehicles: SimulatedVehicle[], uncleanShare = 0.5): Promise<void> {
    await Promise.all(
      vehicles.map((v) => v.client.goOffline({ clean: this.random() >= uncleanShare })),
    );
  }

  /**
   * Brings vehicles back one by one at random times within the window. `maxConnecting`
   * caps the vehicles of this fleet that are between going online and CONNACK: thousands of
   * cars each have their own CPU, but a simulation of them shares one process, and handshakes
   * it cannot finish in time would time out at the server and be retried, which measures the
   * simulator rather than the platform. Vehicles due while the cap is reached wait in turn.
   */
  bringBack(vehicles: SimulatedVehicle[], withinMs: number, maxConnecting = Infinity): void {
    const due: SimulatedVehicle[] = [];
    let connecting = 0;
    const admit = () => {
      while (connecting < maxConnecting && !this.stopped) {
        const v = due.shift();
        if (!v) return;
        connecting += 1;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(slot);
          v.client.off('connected', finish);
          connecting -= 1;
          admit();
        };
        // A vehicle that cannot connect keeps retrying on its own; its slot is freed anyway.
        const slot = setTimeout(finish, CONNECTING_SLOT_MS);
        slot.unref();
        v.client.once('connected', finish);
        v.client.goOnline();
      }
    };
    for (const v of vehicles) {
      this.schedule(between(this.random, [0, withinMs]), async () => {
        due.push(v);
        admit();
      });
    }
  }

  /** Picks a random share of the fleet, reproducibly for a seed. */
  pick(share: number): SimulatedVehicle[] {
    return this.vehicles.filter(() => this.random() < share);
  }

  stats(): FleetStats {
    const stats: FleetStats = {
      vehicles: this.vehicles.length,
      connected: 0,
      notices: 0,
      installed: 0,
      failed: 0,
      rejected: 0,
      duplicates: 0,
      tunnels: this.tunnelCount,
    };
    for (const v of this.vehicles) {
      if (v.client.connected) stats.connected += 1;
      stats.notices += v.seen.size;
      stats.duplicates += v.duplicates;
      stats.rejected += v.rejections;
      for (const outcome of v.outcomes.values()) {
        if (outcome === 'installed') stats.installed += 1;
        else if (outcome === 'failed') stats.failed += 1;
      }
    }
    return stats;
  }

  /** Stops the tunnels and disconnects every vehicle cleanly (sessions stay on the brokers). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const v of this.vehicles) v.stop();
    await Promise.all(this.vehicles.map((v) => v.client.stop().catch(() => undefined)));
  }

  private schedule(delayMs: number, action: () => Promise<void>): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) void action();
    }, delayMs);
    this.timers.add(timer);
  }
}
