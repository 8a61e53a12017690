import { join } from 'node:path';
import type { BrokerCredentials } from '@roadcast/testing';
import type { SimulatedVehicleIdentity } from '@roadcast/vehicle-client';
import type { FleetShare, FleetShareStats } from '../load/fleet-worker.js';
import type { CleanupScope } from './cleanup.js';
import type { ProcessSource } from './process-cpu.js';
import { WorkerProcess } from './worker-process.js';

const WORKER = join(import.meta.dirname, '../load/fleet-worker.ts');

export interface FleetOptions {
  identities: SimulatedVehicleIdentity[];
  urls: string[];
  /**
   * Straight to a broker that checks passwords: the login every vehicle presents, as the
   * router would for it. Handed to each process, whose own test credentials would not match.
   */
  brokerLogin?: BrokerCredentials;
  trustedKeys: Map<string, string>;
  /** Processes the fleet is spread over. */
  processes: number;
  /** Vehicles connecting at once, over the whole fleet. */
  connectConcurrency: number;
  stepMs: [number, number];
  logDir: string;
  label: string;
}

/**
 * One simulated fleet played by several processes, each holding an equal share of the
 * vehicles, driven together: connect, drop into the tunnel, come back, report.
 */
export class FleetProcesses {
  private constructor(
    private readonly workers: WorkerProcess[],
    readonly size: number,
  ) {}

  static async start(scope: CleanupScope, options: FleetOptions): Promise<FleetProcesses> {
    const n = Math.max(1, Math.min(options.processes, options.identities.length));
    const workers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        WorkerProcess.start(WORKER, {
          name: `${options.label}-fleet-${i + 1}`,
          logFile: join(options.logDir, `${options.label}-fleet-${i + 1}.log`),
          scope,
        }),
      ),
    );
    await Promise.all(
      workers.map((worker, i) => {
        const share: FleetShare = {
          vehicles: options.identities.filter((_, v) => v % n === i),
          urls: options.urls,
          ...(options.brokerLogin ? { brokerLogin: options.brokerLogin } : {}),
          trustedKeys: [...options.trustedKeys.entries()],
          connectConcurrency: Math.max(1, Math.ceil(options.connectConcurrency / n)),
          stepMs: options.stepMs,
          seed: i + 1,
        };
        return worker.request('create', share);
      }),
    );
    return new FleetProcesses(workers, options.identities.length);
  }

  /** The processes as CPU sources, together under one name. */
  source(name: string): ProcessSource {
    const pids = this.workers.map((w) => w.pid);
    return { name, role: 'load', roots: () => pids };
  }

  async connect(timeoutMs: number): Promise<number> {
    const counts = await this.all<number>('connect', { timeoutMs }, timeoutMs + 30_000);
    return counts.reduce((s, c) => s + c, 0);
  }

  async takeOffline(uncleanShare: number): Promise<void> {
    await this.all('takeOffline', { uncleanShare });
  }

  /** Each process brings its share back within the window, with its share of the cap. */
  async bringBack(withinMs: number, maxConnecting: number): Promise<void> {
    const perProcess = Math.max(1, Math.floor(maxConnecting / this.workers.length));
    await this.all('bringBack', { withinMs, maxConnecting: perProcess });
  }

  async stats(): Promise<FleetShareStats> {
    const shares = await this.all<FleetShareStats>('stats', undefined);
    const sum = (key: keyof FleetShareStats) => shares.reduce((s, x) => s + x[key], 0);
    return {
      vehicles: sum('vehicles'),
      connected: sum('connected'),
      resumed: sum('resumed'),
      shownTwice: sum('shownTwice'),
      installed: sum('installed'),
      rejected: sum('rejected'),
    };
  }

  async stop(): Promise<void> {
    await this.all('stop', undefined, 60_000).catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  get processes(): number {
    return this.workers.length;
  }

  private all<T>(type: string, payload: unknown, timeoutMs = 600_000): Promise<T[]> {
    return Promise.all(this.workers.map((w) => w.request<T>(type, payload, timeoutMs)));
  }
}
