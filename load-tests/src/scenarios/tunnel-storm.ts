import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { createHash } from 'node:crypto';
import { devVehicleId } from '@roadcast/pki';
import { getTestPki, startStack, type Stack } from '@roadcast/testing';
import { SimulatedFleet } from '@roadcast/vehicle-client';
import { scenarioMachine } from '../runner/machine.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';

const DEFAULTS = { vehicles: 10_000, reconnectWindowS: 10 };
const SMOKE = { vehicles: 60, reconnectWindowS: 2 };
const TARGET_S = 30;

/**
 * Reconnect storm: a whole fleet is in a tunnel while a campaign is published, so every
 * notice waits in a broker session (or nowhere, for sessions the brokers do not hold). The
 * fleet then comes back within a few seconds, as after a long tunnel or a regional outage.
 * Measured: time from the first reconnect until every vehicle has acknowledged (`received`),
 * and until every one has installed. The whole platform runs as separate processes.
 */
async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  const total = options.vehicles ?? base.vehicles;
  const outDir = join(options.outDir, 'tunnel-storm');
  await mkdir(outDir, { recursive: true });
  const step = (n: number, label: string) => options.progress?.(n, 7, label);

  step(0, 'starting the platform');
  const stack = await startStack({
    label: 'bench-storm',
    env: { tracker: { TRACKER_SWEEP_INTERVAL_MS: '1000' } },
  });
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  let fleet: SimulatedFleet | undefined;
  try {
    const ids = Array.from({ length: total }, (_, i) => devVehicleId(900_000_000 + i));
    step(1, 'registering vehicles');
    for (let i = 0; i < ids.length; i += 5_000) {
      await api(stack, 'POST', '/v1/vehicles', {
        vehicles: ids
          .slice(i, i + 5_000)
          .map((id) => ({ id, model: 'bench', region: 'bench', softwareVersion: '1.0.0' })),
      });
    }
    step(2, 'issuing certificates');
    const pki = getTestPki();
    fleet = new SimulatedFleet({
      vehicles: ids.map((vehicleId) => {
        const c = pki.vehicle(vehicleId);
        return { vehicleId, tls: { cert: c.cert, key: c.key, ca: pki.ca } };
      }),
      url: `mqtts://${stack.routerHost}:${stack.routerTlsPort}`,
      trustedKeys: new Map([[stack.signing.keyId, stack.signing.publicKeyPem]]),
      installedVersion: '1.0.0',
      stepMs: [200, 1_000],
      connectConcurrency: 50,
      seed: 1,
    });
    step(3, 'connecting the fleet');
    const connectStart = performance.now();
    await fleet.connect(undefined, 300_000);
    const connectS = (performance.now() - connectStart) / 1000;
    await fleet.takeOffline(fleet.vehicles, 0.5);

    step(4, 'publishing into the tunnel');
    const campaign = await api<{ id: string }>(stack, 'POST', '/v1/campaigns', {
      name: 'tunnel storm',
      update: {
        id: 'storm',
        version: '2.0.0',
        url: 'https://updates.example.com/storm-2.0.0.bin',
        sha256: createHash('sha256').update('storm').digest('hex'),
        size: 1_000_000,
      },
      target: { vehicleIds: ids },
      rollout: { waves: [{ percent: 100, successThreshold: 0.5, failureThreshold: 0.5 }] },
    });
    await until(
      async () => (await count(db, campaign.id, ['pending'])) === 0,
      600_000,
      'notices published',
    );

    step(5, 'fleet reconnecting');
    const stormStart = performance.now();
    fleet.bringBack(fleet.vehicles, base.reconnectWindowS * 1000);
    const acknowledged = [
      'received',
      'downloading',
      'installing',
      'installed',
      'failed',
      'rejected',
    ];
    await until(
      async () => (await count(db, campaign.id, acknowledged)) === total,
      600_000,
      'every ack',
    );
    const ackS = (performance.now() - stormStart) / 1000;
    step(6, 'installing');
    await until(
      async () => (await count(db, campaign.id, ['installed'])) === total,
      600_000,
      'every install',
    );
    const installS = (performance.now() - stormStart) / 1000;
    const shownTwice = fleet.vehicles.filter((v) => [...v.seen.values()].some((n) => n > 1)).length;
    step(7, 'done');

    return {
      scenario: 'tunnel-storm',
      startedAt,
      machine: scenarioMachine(),
      parameters: {
        vehicles: total,
        reconnectWindowS: base.reconnectWindowS,
        brokers: stack.brokers.size,
        dropOuts: 'half without DISCONNECT, half clean',
      },
      measurements: [
        {
          name: `time until all ${total} vehicles acknowledged, from the first reconnect`,
          value: ackS,
          unit: 's',
          target: `<= ${TARGET_S} s`,
          goal: { compare: '<=', threshold: TARGET_S },
          met: ackS <= TARGET_S,
        },
        {
          name: `time until all ${total} vehicles installed, from the first reconnect`,
          value: installS,
          unit: 's',
        },
        {
          name: 'fleet connect time before the campaign (TLS through the router)',
          value: connectS,
          unit: 's',
        },
      ],
      notes: [
        `Vehicles reconnected at random within ${base.reconnectWindowS} s; each reconnect also made the tracker re-send what the vehicle had not acknowledged.`,
        `Install steps took 0.2 to 1 s each (three steps), so installed trails acknowledged by up to 3 s.`,
        `Vehicles whose software saw a notice more than once: ${shownTwice}.`,
      ],
    };
  } finally {
    await fleet?.stop();
    await db.end();
    await stack.stop();
  }
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

async function count(db: pg.Pool, campaignId: string, states: string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT COALESCE(sum(count), 0)::text AS n FROM campaign_counters
     WHERE campaign_id = $1 AND state = ANY($2::delivery_state[])`,
    [campaignId, states],
  );
  return Number(rows[0]?.n ?? 0);
}

async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const tunnelStorm: Scenario = {
  name: 'tunnel-storm',
  description:
    'Reconnect storm: a fleet offline while a campaign is published comes back within seconds; time until every vehicle acknowledged.',
  run,
};
