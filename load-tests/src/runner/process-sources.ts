import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ProcessRole } from '../scenario.js';
import type { ProcessSource } from './process-cpu.js';
import { findProcesses, readProcStat } from './proc-stat.js';

/**
 * The processes a scenario's CPU is read from: its own apps and brokers by pid, and the shared
 * services (Postgres, Redis) found through the services themselves, so the figures name the
 * exact processes that did the work.
 */

export const POSTGRES_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One process (with whatever it starts) by pid: an app, HAProxy, a load generator. */
export function pidSource(name: string, pid: number | undefined, role: ProcessRole): ProcessSource {
  if (pid === undefined) throw new Error(`${name} has no process id (not started?)`);
  return { name, role, roots: () => [pid] };
}

/** A Mosquitto started by the test harness, found by the config file in its data folder. */
export function mosquittoSource(
  name: string,
  broker: { dataDir: string },
  role: ProcessRole = 'service',
): ProcessSource {
  const config = join(broker.dataDir, 'mosquitto.conf');
  const pids = findProcesses(['-c', config]);
  if (pids.length !== 1)
    throw new Error(`expected one mosquitto with ${config}, found ${pids.length}`);
  const pid = pids[0] as number;
  return { name, role, roots: () => [pid] };
}

/** The benchmark process itself, without its children (they are the apps, counted on their own). */
export function harnessSource(): ProcessSource {
  return { name: 'benchmark harness', role: 'load', roots: () => [process.pid], ownOnly: true };
}

/** Redis, by the process id the server reports about itself. */
export async function redisSource(url = REDIS_URL): Promise<ProcessSource> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    if (!readProcStat(pid)) throw new Error(`redis reports pid ${pid}, not visible in /proc`);
    return { name: 'redis', role: 'service', roots: () => [pid] };
  } finally {
    redis.disconnect();
  }
}

export interface PostgresSources {
  /** Every process of the server: postmaster, background workers and every backend. */
  cluster: ProcessSource;
  /** Only the backends connected to one database (within the cluster figure). */
  database(name: string): ProcessSource;
  close(): Promise<void>;
}

/**
 * Postgres as two sources: the whole cluster (the postmaster's process tree, reaped backends
 * included, so WAL writing and checkpoints caused by the scenario count) and the backends of
 * the scenario's own database (listed in pg_stat_activity at each sample; backends that both
 * start and end between two samples are only in the cluster figure). The cluster is shared,
 * so its figure includes whatever else ran on the server: the report says so.
 */
export async function postgresSources(adminUrl = POSTGRES_ADMIN_URL): Promise<PostgresSources> {
  const client = new pg.Client({
    connectionString: adminUrl,
    application_name: 'roadcast-bench-cpu',
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const postmaster = readProcStat(Number(rows[0]?.pid))?.ppid;
    if (postmaster === undefined || !readProcStat(postmaster))
      throw new Error('the Postgres server runs outside this machine’s view of /proc');
    return {
      cluster: { name: 'postgres', role: 'service', roots: () => [postmaster] },
      database: (name) => ({
        name: 'postgres backends of the scenario database',
        role: 'service',
        within: 'postgres',
        roots: async () => {
          const result = await client.query<{ pid: number }>(
            'SELECT pid FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          return result.rows.map((r) => Number(r.pid));
        },
      }),
      close: () => client.end(),
    };
  } catch (err) {
    await client.end();
    throw err;
  }
}
