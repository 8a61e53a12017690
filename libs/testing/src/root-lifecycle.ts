import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const workspace = resolve(import.meta.dirname, '../../..');
/** How the child's outcome line starts (the app's own log lines share its stdout). */
const MARKER = 'root-lifecycle ';

export interface RootLifecycleOptions {
  /** The module exporting the composition root, relative to the workspace. */
  module: string;
  /** Its export, e.g. `startRouter`. */
  exportName: string;
  /** The settings schema's export in libs/config, e.g. `RouterSettings`. */
  settings: string;
  /** The app's settings, as the environment gives them. */
  env: Record<string, string>;
  /** How long ready() may take to answer true (default 20 s). */
  readyTimeoutMs?: number;
  /** How long the process may take to end by itself after close() (default 10 s). */
  exitTimeoutMs?: number;
}

export interface RootLifecycle {
  /** Whether ready() answered true before close(). */
  ready: boolean;
  /** Whether the process ended by itself once close() returned: nothing was left open. */
  exitedByItself: boolean;
  exitCode: number | null;
  /** What the app logged, for the message of a failed assertion. */
  output: string;
}

/**
 * Starts an app through its composition root in a child process, waits for ready(), calls
 * close() and then waits for the process to end on its own, as a process ends when nothing
 * keeps its event loop alive. A child still running after `exitTimeoutMs` is killed and
 * reported with what it still held open.
 */
export async function startAndCloseInChild(options: RootLifecycleOptions): Promise<RootLifecycle> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      resolve(import.meta.dirname, 'root-lifecycle-child.ts'),
      resolve(workspace, options.module),
      options.exportName,
      options.settings,
      String(options.readyTimeoutMs ?? 20_000),
    ],
    { cwd: workspace, env: { PATH: process.env.PATH ?? '', ...options.env } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let closedAt: number | undefined;
  let killed = false;
  const exitTimeoutMs = options.exitTimeoutMs ?? 10_000;
  // Start-up and close have a minute besides the wait for ready().
  const giveUpAt = Date.now() + (options.readyTimeoutMs ?? 20_000) + 60_000;
  const watch = setInterval(() => {
    closedAt ??= stdout.includes(MARKER) ? Date.now() : undefined;
    if (
      (closedAt !== undefined && Date.now() - closedAt > exitTimeoutMs) ||
      Date.now() > giveUpAt
    ) {
      killed = true;
      child.kill('SIGKILL');
    }
  }, 100);
  const exitCode = await new Promise<number | null>((done) =>
    child.once('exit', (code) => done(code)),
  );
  clearInterval(watch);
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER));
  const outcome = line ? (JSON.parse(line.slice(MARKER.length)) as { ready: boolean }) : undefined;
  return {
    ready: outcome?.ready ?? false,
    exitedByItself: !killed,
    exitCode,
    output: `${stdout}${stderr}`,
  };
}
