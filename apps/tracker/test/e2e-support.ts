import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { CampaignCreateRequest, CampaignDetail } from '@roadcast/contracts';
import { devVehicleId } from '@roadcast/pki';
import { getTestPki } from '@roadcast/testing';
import { startStack, type Stack, type StackOptions } from '@roadcast/local-stack';
import { SimulatedFleet, type SimulatedFleetOptions } from '@roadcast/vehicle-client';

/** Fast timers so a test sees re-sends, rollout and expiry within seconds. */
export const E2E_TRACKER_ENV = {
  TRACKER_RETRY_DELAY_MS: '4000',
  TRACKER_SWEEP_INTERVAL_MS: '500',
  TRACKER_FLUSH_INTERVAL_MS: '20',
  TRACKER_BROKER_REFRESH_MS: '2000',
};

export interface E2e {
  stack: Stack;
  db: pg.Pool;
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Fleets made by `simulatedFleet` for this platform; `close` stops them first. */
  fleets: SimulatedFleet[];
  close(): Promise<void>;
}

/** A loaded CI machine with a cold transpile cache can take this long to start an app. */
const BUSY_MACHINE_START_MS = 120_000;

export async function startE2e(label: string, options: Partial<StackOptions> = {}): Promise<E2e> {
  const stackOptions: StackOptions = {
    label,
    ...options,
    env: { ...options.env, tracker: { ...E2E_TRACKER_ENV, ...options.env?.tracker } },
  };
  let stack: Stack;
  // Test files run in parallel; platforms boot one at a time so two boots do not fight
  // over two cores (the tests themselves still overlap).
  const release = await acquireStartLock();
  try {
    stack = await startStack({ startTimeoutMs: BUSY_MACHINE_START_MS, ...stackOptions });
  } finally {
    await release();
  }
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 3 });
  db.on('error', () => undefined);
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    // The API may be down (a fault test kills it); callers retry through waitFor.
    const response = await fetch(new URL(path, stack.apiUrl), {
      method,
      headers: {
        authorization: `Bearer ${stack.adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  const fleets: SimulatedFleet[] = [];
  return {
    stack,
    db,
    api,
    fleets,
    async close() {
      await Promise.all(fleets.map((f) => f.stop()));
      await db.end().catch(() => undefined);
      await stack.stop();
    },
  };
}

const START_LOCK = join(tmpdir(), 'roadcast-e2e-stack-start.lock');

/** An exclusive lock file holding the owner's pid; a lock left by a dead process is taken over. */
async function acquireStartLock(timeoutMs = 180_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await writeFile(START_LOCK, String(process.pid), { flag: 'wx' });
      return () => rm(START_LOCK, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await readFile(START_LOCK, 'utf8').catch(() => '0'));
    if (!owner || !alive(owner)) await rm(START_LOCK, { force: true });
    else if (Date.now() > deadline)
      throw new Error(`another test has been starting a platform for ${timeoutMs} ms`);
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function vehicleIds(count: number, first = 1): string[] {
  return Array.from({ length: count }, (_, i) => devVehicleId(first + i));
}

export async function registerVehicles(
  e2e: E2e,
  ids: string[],
  softwareVersion = '1.0.0',
): Promise<void> {
  await e2e.api('POST', '/v1/vehicles', {
    vehicles: ids.map((id) => ({ id, model: 'e2e', region: 'test', softwareVersion })),
  });
}

export function simulatedFleet(
  e2e: E2e,
  ids: string[],
  options: Partial<SimulatedFleetOptions> = {},
): SimulatedFleet {
  const pki = getTestPki();
  const fleet = new SimulatedFleet({
    vehicles: ids.map((vehicleId) => ({ vehicleId, tls: pki.vehicleTls(vehicleId) })),
    url: `mqtts://${e2e.stack.routerHost}:${e2e.stack.routerTlsPort}`,
    trustedKeys: new Map([[e2e.stack.signing.keyId, e2e.stack.signing.publicKeyPem]]),
    installedVersion: '1.0.0',
    stepMs: [50, 400],
    connectConcurrency: 10,
    ...options,
  });
  e2e.fleets.push(fleet);
  return fleet;
}

export function campaignRequest(
  ids: string[],
  overrides: Partial<CampaignCreateRequest> = {},
): CampaignCreateRequest {
  return {
    name: 'e2e',
    update: {
      id: 'head-unit',
      version: '2.0.0',
      url: 'https://updates.example.com/head-unit-2.0.0.bin',
      sha256: createHash('sha256').update('head-unit-2.0.0').digest('hex'),
      size: 1_000_000,
    },
    target: { vehicleIds: ids },
    ...overrides,
  };
}

export async function createCampaign(e2e: E2e, request: CampaignCreateRequest): Promise<string> {
  return (await e2e.api<{ id: string }>('POST', '/v1/campaigns', request)).id;
}

export async function campaignDetail(e2e: E2e, id: string): Promise<CampaignDetail> {
  return e2e.api<CampaignDetail>('GET', `/v1/campaigns/${id}`);
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs: number,
  describe?: () => Promise<string> | string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // A component may be restarting; keep asking until the deadline.
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Final delivery state per vehicle of one campaign. */
export async function deliveryStates(
  db: pg.Pool,
  campaignId: string,
): Promise<Map<string, string>> {
  const { rows } = await db.query<{ vehicle_id: string; state: string }>(
    `SELECT vehicle_id, state::text AS state FROM deliveries WHERE campaign_id = $1`,
    [campaignId],
  );
  return new Map(rows.map((r) => [r.vehicle_id, r.state]));
}

export async function stateCounts(
  db: pg.Pool,
  campaignId: string,
): Promise<Record<string, number>> {
  const { rows } = await db.query<{ state: string; n: number }>(
    `SELECT state::text AS state, count(*)::int AS n FROM deliveries WHERE campaign_id = $1 GROUP BY state`,
    [campaignId],
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** The trigger-kept counters equal a fresh count of the deliveries table, per wave and state. */
export async function assertCountersExact(db: pg.Pool, campaignId: string): Promise<void> {
  // One snapshot for both reads: the tracker may still be writing.
  const client = await db.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const counters = await client.query<{ k: string; n: string }>(
      `SELECT wave || ':' || state AS k, count::text AS n FROM campaign_counters WHERE campaign_id = $1 AND count <> 0 ORDER BY 1`,
      [campaignId],
    );
    const truth = await client.query<{ k: string; n: string }>(
      `SELECT wave || ':' || state AS k, count(*)::text AS n FROM deliveries WHERE campaign_id = $1 GROUP BY wave, state ORDER BY 1`,
      [campaignId],
    );
    await client.query('COMMIT');
    assert.deepEqual(counters.rows, truth.rows);
  } finally {
    client.release();
  }
}

/** Every vehicle's software saw exactly one notice (the campaign's), once. */
export function assertSeenExactlyOnce(fleet: SimulatedFleet): void {
  const wrong = fleet.vehicles
    .filter((v) => v.seen.size !== 1 || [...v.seen.values()][0] !== 1)
    .map((v) => `${v.vehicleId}: ${JSON.stringify([...v.seen.entries()])}`);
  assert.deepEqual(wrong, [], 'vehicles whose software did not see the notice exactly once');
}
