import type { Notice } from '@roadcast/contracts';
import type { VehicleClient, VehicleStatusReport } from '../vehicle-client.js';
import { between } from './seeded-random.js';

export interface VehicleBehaviour {
  /** Time from receiving a notice to `downloading`, to `installing` and to the outcome. */
  stepMs: readonly [number, number];
  /** This vehicle's install fails (decided up front so a test knows the expected outcome). */
  fails: boolean;
  failureReason: string;
  /**
   * How many attempts of one campaign fail before one succeeds, when `fails` (a retry comes
   * as a new notice of the same campaign); Infinity: every attempt fails.
   */
  failedAttempts: number;
  /** The install never finishes: the vehicle reports `installing` and then nothing more. */
  stalls: boolean;
  /**
   * The install succeeds but the vehicle does not boot it: it falls back to the version it ran
   * before and says so in its status report (healthy-boot campaigns count it as failed).
   */
  bootFails?: boolean;
}

export type VehicleOutcome = 'installed' | 'failed' | 'rejected' | 'cancelled';

/**
 * The software side of one simulated car: it installs what the SDK surfaces, step by step,
 * and records what its application saw, so a test can prove every notice reached the
 * application once, however often it crossed the network.
 */
export class SimulatedVehicle {
  /** Times the application was shown each notice id. */
  readonly seen = new Map<string, number>();
  readonly outcomes = new Map<string, VehicleOutcome>();
  /** Notices seen per campaign: each one is an attempt. */
  readonly attempts = new Map<string, number>();
  rejections = 0;
  duplicates = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /**
   * Versions the car booted since it started, per component: a fall-back differs from what the
   * SDK's store says was installed. Otherwise the store (read once opened) and the base
   * version tell.
   */
  private readonly running = new Map<string, string>();
  private bootedAt: string;

  /**
   * With `inventory`, the car reports its status: `components` (with `baseVersion`, the
   * version it runs of anything it never installed; a component a notice names joins them),
   * and after each install it reboots and reports again. Without it, it reports no status.
   */
  constructor(
    readonly client: VehicleClient,
    readonly behaviour: VehicleBehaviour,
    private readonly random: () => number,
    private readonly inventory?: { components: readonly string[]; baseVersion?: string },
  ) {
    this.bootedAt = new Date().toISOString();
    client.on('notice', (notice) => this.onNotice(notice));
    client.on('rejected', (r) => {
      this.rejections += 1;
      if (r.noticeId) this.outcomes.set(r.noticeId, 'rejected');
    });
    client.on('duplicate', () => {
      this.duplicates += 1;
    });
    client.on('cancel', ({ update }) => {
      if (update) this.outcomes.set(update.noticeId, 'cancelled');
    });
  }

  get vehicleId(): string {
    return this.client.vehicleId;
  }

  /** Installs still under way. */
  get busy(): number {
    return [...this.seen.keys()].filter((id) => !this.outcomes.has(id)).length;
  }

  /** The version of a component the car runs now. */
  versionOf(component: string): string | undefined {
    return (
      this.running.get(component) ??
      this.client.knownVersion(component) ??
      this.inventory?.baseVersion
    );
  }

  /** What the car reports on its status topic: its components and how its last boot went. */
  statusReport(): VehicleStatusReport {
    const ids = new Set([...(this.inventory?.components ?? []), ...this.running.keys()]);
    const components = [...ids].flatMap((id) => {
      const version = this.versionOf(id);
      return version === undefined ? [] : [{ id, version }];
    });
    return {
      ...(components[0] ? { softwareVersion: components[0].version } : {}),
      components,
      boot: { health: 'healthy', bootedAt: this.bootedAt },
    };
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private onNotice(notice: Notice): void {
    this.seen.set(notice.noticeId, (this.seen.get(notice.noticeId) ?? 0) + 1);
    const attempt = (this.attempts.get(notice.campaignId) ?? 0) + 1;
    this.attempts.set(notice.campaignId, attempt);
    const fails = this.behaviour.fails && attempt <= this.behaviour.failedAttempts;
    const steps: Array<() => Promise<unknown>> = [
      () => this.client.report(notice.noticeId, 'downloading'),
      () => this.client.report(notice.noticeId, 'installing'),
    ];
    if (!this.behaviour.stalls) {
      steps.push(async () => {
        const outcome = fails ? 'failed' : 'installed';
        const reported = await this.client.report(
          notice.noticeId,
          outcome,
          fails ? this.behaviour.failureReason : undefined,
        );
        if (reported) this.outcomes.set(notice.noticeId, outcome);
      });
      const previous = this.versionOf(notice.update.id);
      if (!fails && this.inventory) steps.push(async () => this.reboot(notice, previous));
    }
    // Reports made while offline wait in the SDK's store and go out on reconnect.
    const next = (): void => {
      const step = steps.shift();
      if (!step || this.stopped) return;
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          void step().then(next, next);
        },
        between(this.random, this.behaviour.stepMs),
      );
      this.timers.add(timer);
    };
    next();
  }

  /** After an install: boots the new version, or falls back to the old one, and reports it. */
  private reboot(notice: Notice, previous: string | undefined): void {
    if (this.outcomes.get(notice.noticeId) !== 'installed') return;
    const fallsBack = this.behaviour.bootFails === true;
    if (fallsBack && previous !== undefined) this.running.set(notice.update.id, previous);
    else this.running.set(notice.update.id, notice.update.version);
    this.bootedAt = new Date().toISOString();
    // Offline, the next connect reports it.
    this.client.publishStatus();
  }
}
