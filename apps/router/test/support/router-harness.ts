/**
 * A real router for tests: own database, Redis prefix and Mosquitto brokers, the fleet test
 * PKI, the router listening on free ports. Everything is closed by `close()`.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { RouterSettings, loadConfig } from '@roadcast/config';
import { createDb, type Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import { PresenceStore } from '@roadcast/routing';
import {
  createTestDatabase,
  freePort,
  getTestPki,
  platformPasswordFile,
  startMosquitto,
  uniquePrefix,
  type MosquittoBroker,
} from '@roadcast/testing';
import type { DrainController } from '../../src/drain-controller.js';
import type { PolicySource } from '../../src/policy-source.js';
import type { VehicleRouter } from '../../src/router.js';
import type { RouterContext } from '../../src/router-context.js';
import { startRouter } from '../../src/start-router.js';
import type { TlsFiles } from '../../src/tls-files.js';

export interface RouterHarness {
  db: Db;
  redis: Redis;
  prefix: string;
  brokers: MosquittoBroker[];
  /** Reads presence as the bridge and the tracker do. */
  presence: PresenceStore;
  ctx: RouterContext;
  router: VehicleRouter;
  drain: DrainController;
  policySource: PolicySource;
  tlsPort: number;
  plainPort: number;
  /** Log lines the router wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Stores a new policy version and applies it as the poller would. */
  setPolicy(document: unknown): Promise<void>;
  refreshTopology(): Promise<void>;
  close(): Promise<void>;
}

export async function startRouterHarness(
  options: {
    brokers?: number;
    policy?: unknown;
    tlsFiles?: TlsFiles;
    /** A Redis of the test's own, e.g. one it takes away. */
    redisUrl?: string;
  } = {},
): Promise<RouterHarness> {
  const database = await createTestDatabase({ label: 'router' });
  const db = createDb(database.url, { poolSize: 2 });
  const redisUrl = options.redisUrl ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  await redis.ping();
  const prefix = uniquePrefix('router');
  const brokers = await Promise.all(
    Array.from({ length: options.brokers ?? 2 }, (_, i) =>
      startMosquitto({ id: `edge-${i + 1}`, persistence: false }),
    ),
  );
  await db.pool.query(`INSERT INTO edge_pools (id, name) VALUES ('pool-a', 'pool-a')`);
  for (const broker of brokers) {
    await db.pool.query(`INSERT INTO edge_brokers (id, pool_id, url) VALUES ($1, 'pool-a', $2)`, [
      broker.id,
      broker.url,
    ]);
  }
  if (options.policy !== undefined) {
    await db.pool.query(`INSERT INTO router_policies (document, created_by) VALUES ($1, 'test')`, [
      JSON.stringify(options.policy),
    ]);
  }

  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const pki = getTestPki();
  const tlsFiles = options.tlsFiles ?? {
    caFile: pki.caFile,
    certFile: pki.routerCertFile,
    keyFile: pki.routerKeyFile,
    crlFile: pki.crlFile,
  };
  const settings = loadConfig(RouterSettings, {
    env: {
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      ROUTER_ID: 'router-test',
      ROUTER_HOST: '127.0.0.1',
      ROUTER_TLS_PORT: String(await freePort()),
      ROUTER_PLAIN_PORT: String(await freePort()),
      ROUTER_ADMIN_PORT: '0',
      TLS_CA_FILE: tlsFiles.caFile,
      TLS_CERT_FILE: tlsFiles.certFile,
      TLS_KEY_FILE: tlsFiles.keyFile,
      TLS_CRL_FILE: tlsFiles.crlFile ?? '',
      ROUTER_TLS_TICKET_KEY_FILE: tlsFiles.ticketKeyFile ?? '',
      // The router's own identity on the brokers.
      ROUTER_BROKER_PASSWORD_FILE: platformPasswordFile('router'),
      ROUTER_BROKER_CONNECT_TIMEOUT_MS: '2000',
      ROUTER_BROKER_HOLD_DOWN_MS: '5000',
      // Tests apply policy, reload TLS files and sweep drained brokers when they choose to.
      ROUTER_POLICY_POLL_MS: '3600000',
      ROUTER_TLS_RELOAD_MS: '3600000',
      ROUTER_DRAIN_CHECK_MS: '3600000',
      ROUTER_TOPOLOGY_REFRESH_MS: '3600000',
      SHUTDOWN_GRACE_MS: '4000',
    },
  });
  const running = await startRouter(settings, {
    logger: createLogger({ service: 'router', level: 'info', destination }),
    presenceRetryMs: 200,
  });

  return {
    db,
    redis,
    prefix,
    brokers,
    presence: new PresenceStore({ redis, prefix }),
    ctx: running.ctx,
    router: running.router,
    drain: running.drain,
    policySource: running.policySource,
    tlsPort: running.ports.tls!,
    plainPort: running.ports.plain!,
    logs,
    async setPolicy(document) {
      await db.pool.query(
        `INSERT INTO router_policies (document, created_by) VALUES ($1, 'test')`,
        [JSON.stringify(document)],
      );
      await running.policySource.poll();
    },
    refreshTopology: () => running.ctx.topology.refresh(),
    async close() {
      await running.close();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      await Promise.all(brokers.map((b) => b.stop()));
      await db.close();
      await database.drop();
    },
  };
}
