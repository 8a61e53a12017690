import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { CleanupScope } from './cleanup.js';
import type { WorkerMessage, WorkerRequest } from '../load/worker-protocol.js';

const WORKSPACE = resolve(import.meta.dirname, '../../..');

export interface WorkerOptions {
  /** Shown in errors and used for the log file name. */
  name: string;
  /** The worker's stdout and stderr go here. */
  logFile: string;
  /** The worker is stopped when this scope closes (end of the scenario, failure or interrupt). */
  scope: CleanupScope;
  /** How long the worker may take to say it is ready (default 30 s). */
  startTimeoutMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * A load generator (or a part of a simulated fleet) in a process of its own, so that its CPU
 * neither competes inside the harness's event loop nor hides in the harness's figures. The
 * module runs `serveWorker()` from `src/load/worker-protocol.ts`; requests are answered by name.
 */
export class WorkerProcess {
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private nextId = 1;
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.on('message', (message: WorkerMessage) => this.receive(message));
    child.once('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`worker ${name} exited (${code ?? signal}) with requests open`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  static async start(module: string, options: WorkerOptions): Promise<WorkerProcess> {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    const child = fork(module, [], {
      cwd: WORKSPACE,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('exit', () => log.end());
    const worker = new WorkerProcess(child, options.name);
    options.scope.defer(`worker ${options.name}`, () => worker.stop());
    await worker.waitFor('ready', options.startTimeoutMs ?? 30_000);
    return worker;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`worker ${this.name} has no pid`);
    return this.child.pid;
  }

  /** Sends a request and waits for its answer; the worker's error is rethrown here. */
  request<T>(type: string, payload?: unknown, timeoutMs = 600_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`worker ${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${this.name}: ${type} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolvePromise(value as T);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      const request: WorkerRequest = { id, type, payload };
      this.child.send(request);
    });
  }

  /** Calls `handler` for every event of this type the worker emits. */
  on(type: string, handler: (payload: unknown) => void): void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(handler);
  }

  off(type: string, handler: (payload: unknown) => void): void {
    this.listeners.get(type)?.delete(handler);
  }

  /** The next event of this type. */
  waitFor<T = unknown>(type: string, timeoutMs = 600_000): Promise<T> {
    return new Promise<T>((resolvePromise, reject) => {
      const onExit = () => reject(new Error(`worker ${this.name} exited before '${type}'`));
      const timer = setTimeout(() => {
        this.listeners.get(type)?.delete(handler);
        this.child.off('exit', onExit);
        reject(new Error(`worker ${this.name}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const handler = (payload: unknown) => {
        clearTimeout(timer);
        this.listeners.get(type)?.delete(handler);
        this.child.off('exit', onExit);
        resolvePromise(payload as T);
      };
      this.on(type, handler);
      this.child.once('exit', onExit);
    });
  }

  /** Asks the worker to exit, and kills it if it has not within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private receive(message: WorkerMessage): void {
    if (message.kind === 'event') {
      for (const handler of [...(this.listeners.get(message.type) ?? [])]) handler(message.payload);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new Error(`worker ${this.name}: ${message.error}`));
  }
}
