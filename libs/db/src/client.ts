import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';

export { PrismaClient };

export interface Db {
  /** Prisma for the schema's ordinary queries. */
  prisma: PrismaClient;
  /** A plain pool for set-based SQL (INSERT … SELECT, UPDATE … FROM (VALUES …), COPY). */
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Connections in the raw pool (Prisma keeps its own). */
  poolSize?: number;
  applicationName?: string;
  /** Longest wait for a connection (a new one, or a free one of a busy pool); default none. */
  connectionTimeoutMs?: number;
  /** Server-side limit of every statement on the pool's connections; default none. */
  statementTimeoutMs?: number;
  /**
   * Client-side limit of `pool.query` calls, for a server that stops answering without
   * closing the connection (the connection is then discarded); default none.
   */
  queryTimeoutMs?: number;
}

// BIGINT ids and counters fit in a JS number for any realistic fleet; parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** A plain pool for set-based SQL; createDb's pool, or a second one with other limits. */
export function createPool(connectionString: string, options: DbOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'roadcast',
    ...(options.connectionTimeoutMs
      ? { connectionTimeoutMillis: options.connectionTimeoutMs }
      : {}),
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    // A peer that vanished without closing is found by the kernel instead of never.
    keepAlive: true,
  });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export function createDb(connectionString: string, options: DbOptions = {}): Db {
  const pool = createPool(connectionString, options);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
  return {
    prisma,
    pool,
    async close() {
      await Promise.allSettled([prisma.$disconnect(), pool.end()]);
    },
  };
}
