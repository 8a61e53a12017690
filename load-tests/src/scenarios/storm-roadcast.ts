import pg from 'pg';
import { startStack, type Stack } from '@roadcast/local-stack';
import type { SimulatedVehicleIdentity } from '@roadcast/vehicle-client';
import type { CleanupScope } from '../runner/cleanup.js';
import { FleetProcesses } from '../runner/fleet-processes.js';
import { rssBytes } from '../runner/proc-stat.js';
import { CpuMeter, type ProcessSource } from '../runner/process-cpu.js';
import {
  harnessSource,
  mosquittoSource,
  pidSource,
  postgresSources,
  redisSource,
} from '../runner/process-sources.js';
import { deleteRedisKeys } from '../runner/redis-keys.js';
import {
  ACKNOWLEDGED,
  CONNECT_CONCURRENCY,
  FLEET_PROCESSES,
  STEP_MS,
  storm,
  timed,
  UPDATE,
  until,
  type StormTimes,
} from './storm-common.js';

/** Two router replicas, as behind the production L4 balancer (and two descriptors per vehicle). */
export const ROUTERS = 2;
/** The name the simulated fleet's processes carry in CPU windows, on both sides. */
export const FLEET = 'simulated fleet (all processes)';

/**
 * The Roadcast side of the tunnel storm: the whole platform as separate processes (API,
 * bridge, tracker, two routers, a core broker and three edge brokers), the fleet connected
 * through the routers, a campaign published while it is in the tunnel, then the storm.
 * Helper module: it exports no scenario.
 */
export async function roadcastStorm(
  scope: CleanupScope,
  identities: SimulatedVehicleIdentity[],
  reconnectWindowS: number,
  logDir: string,
  step: (label: string) => void,
): Promise<StormTimes> {
  step('starting the platform');
  const stack = await startStack({
    label: 'bench-storm',
    routers: ROUTERS,
    env: {
      tracker: { TRACKER_SWEEP_INTERVAL_MS: '1000' },
      // One line per connection at info level is a log, not a benchmark.
      router: { LOG_LEVEL: 'warn' },
    },
  });
  // Keys go after the stack has stopped: its apps write until they exit.
  scope.defer(`redis keys ${stack.redisPrefix}:*`, () => deleteRedisKeys(stack.redisPrefix));
  scope.defer('platform', () => stack.stop());
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  scope.defer('database pool', () => db.end());
  const meter = new CpuMeter(await platformSources(scope, stack));

  step('registering vehicles');
  for (let i = 0; i < identities.length; i += 5_000) {
    await api(stack, 'POST', '/v1/vehicles', {
      vehicles: identities.slice(i, i + 5_000).map(({ vehicleId: id }) => ({
        id,
        model: 'bench',
        region: 'bench',
        softwareVersion: '1.0.0',
      })),
    });
  }
  const fleet = await FleetProcesses.start(scope, {
    identities,
    urls: stack.routers.map((r) => `mqtts://${stack.routerHost}:${r.tlsPort}`),
    trustedKeys: new Map([[stack.signing.keyId, stack.signing.publicKeyPem]]),
    processes: FLEET_PROCESSES,
    connectConcurrency: CONNECT_CONCURRENCY,
    stepMs: STEP_MS,
    logDir,
    label: 'roadcast',
  });
  scope.defer('roadcast fleet', () => fleet.stop());
  meter.add(fleet.source(FLEET));

  step('connecting the fleet through the routers');
  const routerRss = () =>
    stack.routers.reduce((sum, r) => sum + (r.process.pid ? rssBytes(r.process.pid) : 0), 0);
  const rssBefore = routerRss();
  const connectS = await timed(() => fleet.connect(300_000));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const routerBytesPerVehicle = Math.max(0, routerRss() - rssBefore) / identities.length;
  await fleet.takeOffline(0.5);

  step('publishing into the tunnel');
  const campaign = await api<{ id: string }>(stack, 'POST', '/v1/campaigns', {
    name: 'tunnel storm',
    update: UPDATE,
    target: { vehicleIds: identities.map((i) => i.vehicleId) },
    rollout: { waves: [{ percent: 100, successThreshold: 0.5, failureThreshold: 0.5 }] },
  });
  await until(
    async () => (await count(db, campaign.id, ['pending'])) === 0,
    600_000,
    'notices published',
  );

  step('fleet reconnecting through the routers');
  const times = await storm(fleet, reconnectWindowS, meter, {
    acknowledged: () => count(db, campaign.id, ACKNOWLEDGED),
    installed: () => count(db, campaign.id, ['installed']),
  });
  const routerCounts = await routerCounters(stack.routers.map((r) => r.adminUrl));
  await fleet.stop();
  return { ...times, connectS, routerCounts, routerBytesPerVehicle };
}

/** Every process of the platform, by role, for the storm's CPU window. */
async function platformSources(scope: CleanupScope, stack: Stack): Promise<ProcessSource[]> {
  const app = (name: 'api' | 'bridge' | 'tracker') =>
    pidSource(name, stack.apps.get(name)?.pid, 'roadcast');
  const postgres = await postgresSources();
  scope.defer('postgres process watch', () => postgres.close());
  const brokers = [stack.coreBroker, ...[...stack.brokers.values()].map((b) => b.broker)];
  const brokerPids = brokers.flatMap((b) => mosquittoSource(b.id, b).roots() as number[]);
  return [
    ...stack.routers.map((r, i) => pidSource(`router ${i + 1}`, r.process.pid, 'roadcast')),
    app('tracker'),
    app('bridge'),
    app('api'),
    postgres.cluster,
    postgres.database(new URL(stack.databaseUrl).pathname.slice(1)),
    await redisSource(stack.redisUrl),
    {
      name: `mosquitto (${brokers.length} brokers)`,
      role: 'service',
      roots: () => brokerPids,
    },
    harnessSource(),
  ];
}

/** Sums the routers' TLS, session and failure counters, by metric and label. */
async function routerCounters(adminUrls: string[]): Promise<Record<string, number>> {
  const wanted =
    /^roadcast_router_(tls_handshakes_total|tls_failures_total|broker_failures_total|closes_total|refusals_total)(\{[^}]*\})? (\S+)$/;
  const sums: Record<string, number> = {};
  for (const url of adminUrls) {
    const text = await fetch(`${url}/metrics`).then((r) => r.text());
    for (const line of text.split('\n')) {
      const m = wanted.exec(line);
      if (!m) continue;
      const labels = (m[2] ?? '').replace(/,?service="[^"]*"/, '').replace('{,', '{');
      const name = `${m[1]}${labels === '{}' ? '' : labels}`;
      sums[name] = (sums[name] ?? 0) + Number(m[3]);
    }
  }
  return sums;
}

async function api<T>(stack: Stack, method: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(new URL(path, stack.apiUrl), {
    method,
    headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function count(db: pg.Pool, campaignId: string, states: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT COALESCE(sum(count), 0)::text AS n FROM campaign_counters
     WHERE campaign_id = $1 AND state = ANY($2::delivery_state[])`,
    [campaignId, states],
  );
  return Number(rows[0]?.n ?? 0);
}
