/**
 * A real router for tests: own database, Redis prefix and Mosquitto brokers, the fleet test
 * PKI, the router listening on free ports. Everything is closed by `close()`.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createDb, type Db } from '@roadcast/db';
import { createLogger, createMetricsRegistry } from '@roadcast/observability';
import { TokenBucket } from '@roadcast/policy';
import { EdgeTopology, PresenceStore, PresenceWriter, StickyAssignments } from '@roadcast/routing';
import {
  createTestDatabase,
  getTestPki,
  platformCredentials,
  startMosquitto,
  uniquePrefix,
  type MosquittoBroker,
} from '@roadcast/testing';
import { BrokerHealth } from '../../src/broker-health.js';
import { ConnectionGate } from '../../src/connection-gate.js';
import { DrainController } from '../../src/drain-controller.js';
import { createRouterMetrics } from '../../src/metrics.js';
import { PolicySource } from '../../src/policy-source.js';
import { PolicyState } from '../../src/policy-state.js';
import { VehicleRouter } from '../../src/router.js';
import type { RouterContext } from '../../src/router-context.js';
import { readTlsFiles, type TlsFiles } from '../../src/tls-files.js';

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
  const db = createDb(database.url, { poolSize: 4 });
  const redis = new Redis(
    options.redisUrl ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    { maxRetriesPerRequest: 2 },
  );
  redis.on('error', () => undefined);
  await redis.ping();
  const prefix = uniquePrefix('router');
  const brokers = await Promise.all(
    Array.from({ length: options.brokers ?? 2 }, (_, i) =>
      startMosquitto({ id: `edge-${i + 1}`, persistence: false }),
    ),
  );
  // The router's own identity on the brokers, as ROUTER_BROKER_* settings give it.
  const { username, password } = platformCredentials().router;
  const routerIdentity = { username, password: Buffer.from(password) };
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
  const logger = createLogger({ service: 'router', level: 'info', destination });
  const metrics = createRouterMetrics(createMetricsRegistry('router'));
  const topology = new EdgeTopology(db);
  await topology.refresh();
  const sticky = new StickyAssignments({
    db,
    redis,
    prefix,
    topology,
    onFallback: (source, vehicles) => metrics.routingFallbacks.inc({ source }, vehicles),
  });
  const presence = new PresenceStore({ redis, prefix });
  const presenceWriter = new PresenceWriter({
    store: presence,
    routerId: 'router-test',
    retryMs: 200,
    isConnected: () => redis.status === 'ready',
    onQueued: (waiting) => metrics.presenceQueued.set(waiting),
  });
  const policy = new PolicyState();
  const policySource = new PolicySource({ db, state: policy, logger, metrics });
  await policySource.poll();
  const gate = new ConnectionGate(policy);
  let stopping = false;
  const ctx: RouterContext = {
    routerId: 'router-test',
    logger,
    metrics,
    policy,
    gate,
    topology,
    sticky,
    presence: presenceWriter,
    health: new BrokerHealth(5_000),
    throttle: { up: new TokenBucket(0, 1), down: new TokenBucket(0, 1) },
    identity: { source: 'cn', idPattern: /^[A-HJ-NPR-Z0-9]{17}$/ },
    broker: { connectTimeoutMs: 2_000, ...routerIdentity },
    isStopping: () => stopping,
  };
  const pki = getTestPki();
  const router = new VehicleRouter(ctx, {
    tls: {
      host: '127.0.0.1',
      port: 0,
      secure: await readTlsFiles(
        options.tlsFiles ?? {
          caFile: pki.caFile,
          certFile: pki.routerCertFile,
          keyFile: pki.routerKeyFile,
          crlFile: pki.crlFile,
        },
      ),
    },
    plain: { host: '127.0.0.1', port: 0 },
  });
  await router.start();
  const drain = new DrainController(ctx, () => router.connections);

  return {
    db,
    redis,
    prefix,
    brokers,
    presence,
    ctx,
    router,
    drain,
    policySource,
    tlsPort: router.ports.tls!,
    plainPort: router.ports.plain!,
    logs,
    async setPolicy(document) {
      await db.pool.query(
        `INSERT INTO router_policies (document, created_by) VALUES ($1, 'test')`,
        [JSON.stringify(document)],
      );
      await policySource.poll();
    },
    refreshTopology: () => topology.refresh(),
    async close() {
      stopping = true;
      await router.stop(1_000);
      gate.close();
      await presenceWriter.close();
      await sticky.close();
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
