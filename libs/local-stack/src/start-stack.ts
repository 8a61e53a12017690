import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { AppProcess, type AppName } from './app-process.js';
import {
  ALL_APPS,
  APP_NICENESS,
  DEFAULT_POOLS,
  LOCAL_PORTS,
  type PoolSpec,
  type StackPorts,
} from './stack-options.js';
import { ensureSigningKey, type StackSigningKey } from './signing-key-files.js';
import {
  createTestDatabase,
  freePort,
  migrateWithCli,
  newPlatformCredentials,
  platformCredentials,
  startMosquitto,
  uniquePrefix,
  writePasswordFiles,
  type BrokerIdentity,
  type MosquittoBroker,
  type PlatformCredentials,
} from '@roadcast/testing';
import { localAdminKey, localPki, testPki } from './stack-files.js';

export interface StackOptions {
  /** Names the stack's database, Redis prefix and logs. */
  label: string;
  /**
   * `test`: a throwaway database, Redis prefix, free ports and the shared test PKI.
   * `local`: the documented local addresses, the `roadcast` database and `.data/`.
   */
  mode?: 'test' | 'local';
  apps?: AppName[];
  pools?: PoolSpec[];
  /** Extra settings per app, e.g. a short retry delay for a test. */
  env?: Partial<Record<AppName, Record<string, string>>>;
  /** Extra node flags per app, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeFlags?: Partial<Record<AppName, string[]>>;
  /** Scheduling niceness per app (default APP_NICENESS: bulk workers below api and router). */
  niceness?: Partial<Record<AppName, number>>;
  /** Copy every app's log lines to this stream as well as to its log file. */
  echo?: NodeJS.WritableStream;
  databaseUrl?: string;
  redisUrl?: string;
  /** How long each app may take to answer its health check (default 60 s). */
  startTimeoutMs?: number;
  /**
   * Router processes (default 1), as replicas behind an L4 balancer would run. The first is
   * the `router` app; the others are in `Stack.routers` only. Test mode only.
   */
  routers?: number;
}

export interface StackBroker {
  id: string;
  poolId: string;
  broker: MosquittoBroker;
}

export interface Stack {
  apiUrl: string;
  adminKey: string;
  routerHost: string;
  routerTlsPort: number;
  routerAdminUrl: string;
  /** Every router process, the `router` app first. */
  routers: Array<{ id: string; tlsPort: number; adminUrl: string; process: AppProcess }>;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  pki: { dir: string; caFile: string; crlFile: string };
  signing: StackSigningKey;
  coreBroker: MosquittoBroker;
  /** What each identity connects to the brokers with; the apps read theirs from files. */
  brokerCredentials: PlatformCredentials;
  /** Each identity's password in a file, as `*_PASSWORD_FILE` settings take it. */
  brokerPasswordFiles: Record<BrokerIdentity, string>;
  /** Edge brokers by id (`<pool>-<n>`). */
  brokers: Map<string, StackBroker>;
  apps: Map<AppName, AppProcess>;
  logDir: string;
  /** `kill -9` an app or an edge broker. */
  kill(name: AppName | string): Promise<void>;
  /** Start again an app or edge broker that was killed (same ports, same persistence). */
  restart(name: AppName | string): Promise<void>;
  stop(): Promise<void>;
}

const workspace = resolve(import.meta.dirname, '../../..');

/**
 * The whole platform as separate processes on this machine: Postgres and Redis (already
 * running), a core broker, edge pools of Mosquitto brokers registered in the database, and the
 * api, tracker, bridge and router apps. Used by end-to-end tests and by `npm start`.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const mode = options.mode ?? 'test';
  const local = mode === 'local';
  const pools = options.pools ?? DEFAULT_POOLS;
  const dataDir = local
    ? join(workspace, '.data')
    : await mkdtemp(join(tmpdir(), `roadcast-stack-${options.label}-`));
  const logDir = join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const cleanups: Array<() => Promise<void>> = [];

  try {
    // Storage.
    let databaseUrl = options.databaseUrl ?? 'postgresql://postgres@127.0.0.1:5432/roadcast';
    if (local) {
      await migrateWithCli(databaseUrl);
    } else if (!options.databaseUrl) {
      const db = await createTestDatabase(options.label);
      databaseUrl = db.url;
      cleanups.push(() => db.drop());
    }
    const redisUrl = options.redisUrl ?? 'redis://127.0.0.1:6379';
    const redisPrefix = local ? 'roadcast' : uniquePrefix(options.label);

    // Certificates and keys.
    const pki = local ? await localPki(join(dataDir, 'pki')) : await testPki(dataDir);
    const signing = await ensureSigningKey(
      join(dataDir, 'signing'),
      local ? 'dev-1' : `test-${options.label}`,
    );
    const adminKey = local
      ? await localAdminKey(join(dataDir, 'admin-key'))
      : randomBytes(32).toString('base64url');

    // Brokers, which admit the platform's identities only.
    const brokerCredentials = local ? newPlatformCredentials() : platformCredentials();
    const secretsDir = join(dataDir, 'secrets');
    await mkdir(secretsDir, { recursive: true, mode: 0o700 });
    const passwordFiles = writePasswordFiles(secretsDir, brokerCredentials);
    const ports = local ? LOCAL_PORTS : await freePorts(pools);
    let portIndex = 0;
    const nextPort = () => {
      const port = ports.brokers[portIndex++];
      if (port === undefined) throw new Error('more brokers than ports 18830-18839 allow');
      return port;
    };
    const brokerDir = (id: string) => (local ? join(dataDir, 'brokers', id) : undefined);
    const coreBroker = await startMosquitto({
      id: 'core',
      role: 'core',
      port: nextPort(),
      dataDir: brokerDir('core'),
      credentials: brokerCredentials,
    });
    cleanups.push(() => coreBroker.stop());
    const brokers = new Map<string, StackBroker>();
    for (const pool of pools) {
      for (let n = 1; n <= pool.brokers; n += 1) {
        const id = `${pool.id}-${n}`;
        const broker = await startMosquitto({
          id,
          port: nextPort(),
          dataDir: brokerDir(id),
          credentials: brokerCredentials,
        });
        cleanups.push(() => broker.stop());
        brokers.set(id, { id, poolId: pool.id, broker });
      }
    }
    await registerTopology(databaseUrl, pools, brokers);

    // Apps.
    const common: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      LOG_LEVEL: process.env.ROADCAST_STACK_LOG_LEVEL ?? 'info',
      SHUTDOWN_GRACE_MS: '5000',
      SIGNING_KEY_FILE: signing.privateKeyFile,
      SIGNING_KEY_ID: signing.keyId,
      SIGNING_PUBLIC_KEY_FILE: signing.publicKeyFile,
      CORE_BROKER_URL: coreBroker.url,
      TLS_CA_FILE: pki.caFile,
      TLS_CRL_FILE: pki.crlFile,
    };
    const appEnv: Record<AppName, Record<string, string>> = {
      api: { API_HOST: '127.0.0.1', API_PORT: String(ports.api), ADMIN_API_KEY: adminKey },
      tracker: {
        TRACKER_ADMIN_PORT: String(ports.trackerAdmin),
        TRACKER_EDGE_PASSWORD_FILE: passwordFiles.tracker,
      },
      bridge: {
        BRIDGE_ADMIN_PORT: String(ports.bridgeAdmin),
        BRIDGE_EDGE_PASSWORD_FILE: passwordFiles.bridge,
        CORE_BROKER_PASSWORD_FILE: passwordFiles.bridge,
      },
      router: {
        ROUTER_ID: `router-${options.label}`,
        ROUTER_BROKER_PASSWORD_FILE: passwordFiles.router,
        ROUTER_TLS_TICKET_KEY_FILE: pki.ticketKeyFile,
        ROUTER_TLS_PORT: String(ports.routerTls),
        ROUTER_ADMIN_PORT: String(ports.routerAdmin),
        TLS_CERT_FILE: pki.routerCertFile,
        TLS_KEY_FILE: pki.routerKeyFile,
      },
    };
    const health: Record<AppName, string> = {
      api: `http://127.0.0.1:${ports.api}/healthz`,
      tracker: `http://127.0.0.1:${ports.trackerAdmin}/healthz`,
      bridge: `http://127.0.0.1:${ports.bridgeAdmin}/healthz`,
      router: `http://127.0.0.1:${ports.routerAdmin}/healthz`,
    };
    const appProcess = (
      app: AppName,
      env: Record<string, string>,
      healthUrl: string,
      logName: string,
    ): AppProcess => {
      const proc = new AppProcess({
        app,
        workspace,
        env: { ...common, ...env, ...options.env?.[app] },
        healthUrl,
        logFile: join(logDir, `${logName}.log`),
        startTimeoutMs: options.startTimeoutMs ?? 60_000,
        niceness: options.niceness?.[app] ?? APP_NICENESS[app],
        ...(options.nodeFlags?.[app] ? { nodeFlags: options.nodeFlags[app] } : {}),
        ...(options.echo ? { echo: options.echo } : {}),
      });
      cleanups.push(() => proc.stop());
      return proc;
    };
    const apps = new Map<AppName, AppProcess>();
    for (const app of options.apps ?? ALL_APPS) {
      apps.set(app, appProcess(app, appEnv[app], health[app], app));
    }
    const routers: Stack['routers'] = [];
    const routerApp = apps.get('router');
    const routerCount = options.routers ?? 1;
    if (routerCount > 1 && local) throw new Error('extra routers are for test mode only');
    if (routerApp) {
      routers.push({
        id: appEnv.router.ROUTER_ID as string,
        tlsPort: ports.routerTls,
        adminUrl: `http://127.0.0.1:${ports.routerAdmin}`,
        process: routerApp,
      });
      for (let n = 2; n <= routerCount; n += 1) {
        const [tlsPort, adminPort] = [await freePort(), await freePort()];
        const id = `router-${options.label}-${n}`;
        const adminUrl = `http://127.0.0.1:${adminPort}`;
        const env = {
          ...appEnv.router,
          ROUTER_ID: id,
          ROUTER_TLS_PORT: String(tlsPort),
          ROUTER_ADMIN_PORT: String(adminPort),
        };
        const proc = appProcess('router', env, `${adminUrl}/healthz`, `router-${n}`);
        routers.push({ id, tlsPort, adminUrl, process: proc });
      }
    }
    // The apps only meet through Postgres, Redis and the brokers, so they start together.
    const processes = [...apps.values(), ...routers.slice(1).map((r) => r.process)];
    await Promise.all(processes.map((proc) => proc.start()));

    const find = (name: string): { kill(): Promise<void>; restart(): Promise<void> } => {
      const app = apps.get(name as AppName);
      if (app) return { kill: () => app.kill(), restart: () => app.start() };
      const broker = name === 'core' ? coreBroker : brokers.get(name)?.broker;
      if (broker) return { kill: () => broker.kill(), restart: () => broker.restart() };
      throw new Error(`no app or broker named ${name}`);
    };

    return {
      apiUrl: `http://127.0.0.1:${ports.api}`,
      adminKey,
      routerHost: '127.0.0.1',
      routerTlsPort: ports.routerTls,
      routerAdminUrl: `http://127.0.0.1:${ports.routerAdmin}`,
      routers,
      databaseUrl,
      redisUrl,
      redisPrefix,
      pki: { dir: pki.dir, caFile: pki.caFile, crlFile: pki.crlFile },
      signing,
      coreBroker,
      brokerCredentials,
      brokerPasswordFiles: passwordFiles,
      brokers,
      apps,
      logDir,
      kill: (name) => find(name).kill(),
      restart: (name) => find(name).restart(),
      stop: () => runCleanups(cleanups),
    };
  } catch (err) {
    await runCleanups(cleanups);
    throw err;
  }
}

/** Stop in reverse start order: apps first, then brokers, then storage. */
async function runCleanups(cleanups: Array<() => Promise<void>>): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch(() => undefined);
  }
}

async function freePorts(pools: PoolSpec[]): Promise<StackPorts> {
  const brokerCount = 1 + pools.reduce((sum, p) => sum + p.brokers, 0);
  const brokers: number[] = [];
  for (let i = 0; i < brokerCount; i += 1) brokers.push(await freePort());
  return {
    api: await freePort(),
    routerTls: await freePort(),
    routerAdmin: await freePort(),
    bridgeAdmin: await freePort(),
    trackerAdmin: await freePort(),
    brokers,
  };
}

/** Edge pools and brokers as the apps read them: rows in `edge_pools` and `edge_brokers`. */
async function registerTopology(
  databaseUrl: string,
  pools: PoolSpec[],
  brokers: Map<string, StackBroker>,
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const pool of pools) {
      await client.query(
        `INSERT INTO edge_pools (id, name, weight, state, updated_at) VALUES ($1, $2, $3, 'active', now())
         ON CONFLICT (id) DO UPDATE SET weight = EXCLUDED.weight, state = 'active', updated_at = now()`,
        [pool.id, pool.id, pool.weight ?? 100],
      );
    }
    for (const { id, poolId, broker } of brokers.values()) {
      await client.query(
        `INSERT INTO edge_brokers (id, pool_id, url, weight, state, updated_at) VALUES ($1, $2, $3, 100, 'active', now())
         ON CONFLICT (id) DO UPDATE SET pool_id = EXCLUDED.pool_id, url = EXCLUDED.url, state = 'active', updated_at = now()`,
        [id, poolId, broker.url],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    await client.end();
  }
}
