import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type AppName = 'api' | 'bridge' | 'router' | 'tracker';

export interface AppProcessOptions {
  app: AppName;
  workspace: string;
  env: Record<string, string>;
  /** A URL that answers 2xx once the app is up. */
  healthUrl: string;
  /** Where stdout and stderr go (one JSON log line each). */
  logFile: string;
  /** Also copy the app's output to this stream (the local stack shows it in the terminal). */
  echo?: NodeJS.WritableStream;
  startTimeoutMs?: number;
  /** Extra node flags, e.g. `--cpu-prof` for a benchmark's flame graph. */
  nodeFlags?: string[];
  /**
   * Scheduling niceness (0 normal, up to 19 lowest): the app runs under `nice` so every one
   * of its threads has it from the start.
   */
  niceness?: number;
}

const live = new Set<ChildProcess>();

// A harness that exits without stopping its apps (an interrupted benchmark) takes them along.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One Roadcast app as a real child process: started, health-checked, killed, restarted. */
export class AppProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly options: AppProcessOptions) {}

  get name(): AppName {
    return this.options.app;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { app, workspace, env, logFile } = this.options;
    this.log = createWriteStream(logFile, { flags: 'a' });
    const node = [
      process.execPath,
      ...(this.options.nodeFlags ?? []),
      '--import',
      'tsx',
      join('apps', app, 'src', 'main.ts'),
    ];
    const niceness = this.options.niceness ?? 0;
    // `nice` execs node in place: the pid is the app's, and threads started later inherit.
    const [command, ...args] = niceness > 0 ? ['nice', '-n', String(niceness), ...node] : node;
    const child = spawn(command!, args, {
      cwd: workspace,
      env: { ...baseEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    for (const stream of [child.stdout, child.stderr]) {
      stream?.pipe(this.log, { end: false });
      if (this.options.echo) stream?.pipe(this.options.echo, { end: false });
    }
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await this.waitHealthy(this.options.startTimeoutMs ?? 30_000);
  }

  /** SIGTERM, then SIGKILL if the app has not stopped within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return this.closeLog();
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    await this.closeLog();
  }

  /** `kill -9`: the app gets no chance to finish anything. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
    await this.closeLog();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(
          `${this.name} exited during start-up (code ${this.child?.exitCode}); see ${this.options.logFile}`,
        );
      }
      try {
        const res = await fetch(this.options.healthUrl, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(150);
    }
    await this.kill();
    throw new Error(
      `${this.name} did not become healthy within ${timeoutMs} ms; see ${this.options.logFile}`,
    );
  }

  private closeLog(): Promise<void> {
    const log = this.log;
    this.log = undefined;
    return new Promise((resolve) => (log ? log.end(() => resolve()) : resolve()));
  }
}

/** The parent's environment without settings that would leak into the app under test. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('NODE_TEST') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return env;
}
