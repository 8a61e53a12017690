import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { createError } from '@roadcast/contracts';
import { unavailableDependency, type Dependency } from './dependency-errors.js';

/** A dependency outage as a coded error: the answer is 503 with Retry-After, naming it. */
export class DependencyUnavailableError extends createError('ROADCAST_ERR_DEPENDENCY_UNAVAILABLE') {
  constructor(readonly dependency: Dependency) {
    super(dependency === 'database' ? 'the database' : 'redis');
    this.name = 'DependencyUnavailableError';
  }
}

export interface DependencyHealthOptions {
  /** One cheap round trip per dependency (SELECT 1, PING). */
  probes: Record<Dependency, () => Promise<unknown>>;
  logger: Logger;
  registry: Registry;
  /** While a dependency is down, at most one log line per interval. */
  logIntervalMs?: number;
  /** While a dependency is down, it is probed this often to notice its return. */
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** The Retry-After of a 503 for a dependency outage. */
  retryAfterSeconds?: number;
}

interface State {
  downSince: number | undefined;
  failures: number;
  lastLogAt: number;
}

const DEPENDENCIES: Dependency[] = ['database', 'redis'];

/**
 * What this process knows about Postgres and Redis. Requests that find one unavailable
 * report it here instead of logging: the first failure logs a warning, further ones are
 * counted and summarised at most once per interval, and the return is logged once. While a
 * dependency is down it is probed in the background, so the state recovers by itself.
 */
export class DependencyHealth {
  private readonly states = new Map<Dependency, State>(
    DEPENDENCIES.map((d) => [d, { downSince: undefined, failures: 0, lastLogAt: 0 }]),
  );
  private readonly up: Gauge<'dependency'>;
  private readonly failed: Counter<'dependency'>;
  private readonly logIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly timer: NodeJS.Timeout;
  private checking: Promise<Record<Dependency, 'ok' | 'failing'>> | undefined;
  private checkedAt = 0;
  private lastCheck: Record<Dependency, 'ok' | 'failing'> | undefined;
  readonly retryAfterSeconds: number;

  constructor(private readonly options: DependencyHealthOptions) {
    this.logIntervalMs = options.logIntervalMs ?? 10_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 1_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    this.up = new Gauge({
      name: 'roadcast_api_dependency_up',
      help: 'Whether the API can reach a dependency (1) or not (0)',
      labelNames: ['dependency'],
      registers: [options.registry],
    });
    this.failed = new Counter({
      name: 'roadcast_api_dependency_failures_total',
      help: 'Requests answered 503 because a dependency was unavailable',
      labelNames: ['dependency'],
      registers: [options.registry],
    });
    for (const d of DEPENDENCIES) this.up.set({ dependency: d }, 1);
    this.timer = setInterval(() => void this.probeDown(), options.probeIntervalMs ?? 1_000);
    this.timer.unref();
  }

  isDown(dependency: Dependency): boolean {
    return this.states.get(dependency)!.downSince !== undefined;
  }

  /** A request failed because `dependency` is unavailable. */
  reportFailure(dependency: Dependency, err?: unknown): void {
    this.failed.inc({ dependency });
    this.markDown(dependency, err, 1);
  }

  private markDown(dependency: Dependency, err: unknown, failedRequests: number): void {
    const state = this.states.get(dependency)!;
    const now = Date.now();
    state.failures += failedRequests;
    if (state.downSince === undefined) {
      state.downSince = now;
      state.lastLogAt = now;
      this.up.set({ dependency }, 0);
      this.options.logger.warn(
        { dependency, err: err instanceof Error ? err.message : undefined },
        'dependency unavailable; answering 503',
      );
    } else if (now - state.lastLogAt >= this.logIntervalMs) {
      this.options.logger.warn(
        { dependency, failedRequests: state.failures, downForMs: now - state.downSince },
        'dependency still unavailable',
      );
      state.lastLogAt = now;
      state.failures = 0;
    }
  }

  /**
   * A best-effort step (an announcement, a dashboard event) failed after the request's own
   * work succeeded: an outage is noted like any other, at most once per interval in the log;
   * any other failure is logged with `what`.
   */
  bestEffortFailed(err: unknown, what: string): void {
    const dependency = unavailableDependency(err);
    if (dependency) this.markDown(dependency, err, 0);
    else this.options.logger.warn({ err }, what);
  }

  /** The dependency answered. */
  reportSuccess(dependency: Dependency): void {
    const state = this.states.get(dependency)!;
    if (state.downSince === undefined) return;
    this.options.logger.info(
      { dependency, downForMs: Date.now() - state.downSince, failedRequests: state.failures },
      'dependency available again',
    );
    state.downSince = undefined;
    state.failures = 0;
    this.up.set({ dependency }, 1);
  }

  /** Probes `dependency` now; throws DependencyUnavailableError when it does not answer. */
  async require(dependency: Dependency): Promise<void> {
    if (!(await this.probe(dependency))) throw new DependencyUnavailableError(dependency);
  }

  /**
   * Every dependency probed, for /readyz. Callers within a second share one round of probes,
   * so polling readiness cannot be turned into load on Postgres and Redis.
   */
  check(): Promise<Record<Dependency, 'ok' | 'failing'>> {
    if (this.lastCheck && Date.now() - this.checkedAt < 1_000)
      return Promise.resolve(this.lastCheck);
    this.checking ??= (async () => {
      const [database, redis] = await Promise.all(DEPENDENCIES.map((d) => this.probe(d)));
      this.lastCheck = { database: database ? 'ok' : 'failing', redis: redis ? 'ok' : 'failing' };
      this.checkedAt = Date.now();
      return this.lastCheck;
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async probe(dependency: Dependency): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.probes[dependency](),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('probe timed out')), this.probeTimeoutMs);
        }),
      ]);
      this.reportSuccess(dependency);
      return true;
    } catch (err) {
      this.markDown(dependency, err, 0);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private async probeDown(): Promise<void> {
    await Promise.all(DEPENDENCIES.filter((d) => this.isDown(d)).map((d) => this.probe(d)));
  }
}
