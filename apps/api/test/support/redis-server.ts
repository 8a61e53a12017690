import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@roadcast/testing';

export interface PrivateRedis {
  port: number;
  url: string;
  /** SIGKILL: Redis is gone at once, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (no-op while it runs). */
  start(): Promise<void>;
  /** Clients connected right now (CLIENT LIST), optionally only those whose name starts so. */
  clients(namePrefix?: string): Promise<number>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A redis-server of the test's own on a free port, which the test may kill and restart. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const start = async () => {
    if (alive()) return;
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis({
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      } finally {
        probe.disconnect();
      }
    }
  };
  const kill = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async clients(namePrefix) {
      const admin = new Redis({ port, maxRetriesPerRequest: 0 });
      try {
        const list = (await admin.client('LIST')) as string;
        const lines = list.split('\n').filter((l) => l.includes(' name='));
        const own = lines.filter((l) => !/ cmd=client\|list /.test(l) && !/ cmd=client /.test(l));
        if (!namePrefix) return own.length;
        return own.filter((l) => l.includes(` name=${namePrefix}`)).length;
      } finally {
        admin.disconnect();
      }
    },
    stop: kill,
  };
}
