import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { ackTopic } from '@roadcast/contracts';
import { createDb, type Db } from '@roadcast/db';
import { freePort, platformPasswordFile, type BrokerCredentials } from '@roadcast/testing';
import { AppProcess } from '@roadcast/local-stack';
import { alternate, alternation } from '../runner/alternation.js';
import { scenarioDatabase, startBenchBroker } from '../runner/bench-services.js';
import { withCleanup } from '../runner/cleanup.js';
import { scenarioMachine } from '../runner/machine.js';
import { CpuMeter, cpuRatio, cpuWindow, usPerUnit } from '../runner/process-cpu.js';
import {
  harnessSource,
  pidSource,
  postgresSources,
  redisSource,
} from '../runner/process-sources.js';
import { scenarioRedisPrefix } from '../runner/redis-keys.js';
import type { CpuWindow, Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';
import { counted, seedPublishedCampaign, type SeededAcks } from './acks-fixture.js';

const WORKSPACE = resolve(import.meta.dirname, '../../..');
const DEFAULTS = { acks: 100_000, batch: 5_000 };
const SMOKE = { acks: 2_000, batch: 500 };
const DB_BACKENDS = 'postgres backends of the scenario database';

interface Drained {
  rate: number;
  batches: number;
  drained: number;
  window: CpuWindow;
}

/**
 * Ack ingestion: acks queued on an edge broker for the tracker's persistent shared
 * subscription are drained by a real tracker process into Postgres (batched, monotonic,
 * counters kept exact by the triggers). Baseline, same run and same batch size, alternating
 * with it: a bare batched `UPDATE … WHERE notice_id = ANY(…)` without checks, ordering or
 * MQTT. The primary figures are the CPU per ack of the tracker, Postgres and the broker.
 */
async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  const total = options.vehicles ?? base.acks;
  const outDir = join(options.outDir, 'acks');
  await mkdir(outDir, { recursive: true });
  return withCleanup('acks', async (scope) => {
    const database = await scenarioDatabase(scope, 'bench_acks');
    const db = createDb(database.url, { poolSize: 4 });
    scope.defer('database pool', () => db.close());
    const { broker, source: brokerSource } = await startBenchBroker(scope, {
      maxQueuedMessages: total * 2,
      dataDir: join(outDir, 'mosquitto'),
    });
    const adminPort = await freePort();
    const tracker = new AppProcess({
      app: 'tracker',
      workspace: WORKSPACE,
      healthUrl: `http://127.0.0.1:${adminPort}/readyz`,
      logFile: join(outDir, 'tracker.log'),
      startTimeoutMs: 60_000,
      env: {
        DATABASE_URL: database.url,
        REDIS_PREFIX: scenarioRedisPrefix(scope, 'bench-acks'),
        LOG_LEVEL: 'warn',
        TRACKER_ADMIN_PORT: String(adminPort),
        TRACKER_INSTANCE_ID: 'bench',
        TRACKER_EDGE_PASSWORD_FILE: platformPasswordFile('tracker'),
        TRACKER_BATCH_SIZE: String(base.batch),
        TRACKER_SWEEP_INTERVAL_MS: '600000',
      },
    });
    scope.defer('tracker', () => tracker.stop());
    await db.pool.query(`INSERT INTO edge_pools (id, name) VALUES ('bench', 'bench')`);
    await db.pool.query(
      `INSERT INTO edge_brokers (id, pool_id, url) VALUES ('bench-1', 'bench', $1)`,
      [broker.url],
    );
    const postgres = await postgresSources();
    scope.defer('postgres process watch', () => postgres.close());
    const shared = [
      postgres.cluster,
      postgres.database(database.name),
      brokerSource('mosquitto'),
      await redisSource(),
      harnessSource(),
    ];

    options.progress?.(0, 4, 'seeding deliveries');
    const baselineCampaign = await seedPublishedCampaign(db.pool, total, 'base');
    const trackedCampaign = await seedPublishedCampaign(db.pool, total, 'trak');
    // The tracker creates its session, then stops; acks published meanwhile wait in it.
    await tracker.start();
    await tracker.stop();
    await publishAcks(
      broker.url,
      broker.credentials('observer'),
      trackedCampaign.vehicleIds,
      trackedCampaign.noticeIds,
    );

    const turns = alternation(1, options.runIndex ?? 0);
    let baselineRate = Number.NaN;
    let baselineWindow: CpuWindow | undefined;
    let drained: Drained | undefined;
    await alternate(turns, async ({ side }) => {
      if (side === 'baseline') {
        options.progress?.(1, 4, 'baseline UPDATE');
        const meter = new CpuMeter(shared);
        const { result: seconds, usage } = await meter.measure(() =>
          bareUpdates(db, baselineCampaign, base.batch),
        );
        baselineRate = total / seconds;
        baselineWindow = cpuWindow('bare batched UPDATE (baseline)', 'ack', total, usage, {
          involved: ['postgres', DB_BACKENDS],
        });
        return;
      }
      options.progress?.(2, 4, 'tracker draining');
      drained = await drain(db, tracker, trackedCampaign, total, new CpuMeter(shared));
    });
    options.progress?.(4, 4, 'done');
    const exact = await db.pool.query<{ ok: boolean }>(
      `SELECT bool_and(c.count = t.n) AS ok FROM campaign_counters c
       JOIN (SELECT campaign_id, wave, state, count(*) AS n FROM deliveries GROUP BY 1, 2, 3) t
         USING (campaign_id, wave, state)`,
    );
    const done = drained!;
    const pgPerAck = usPerUnit(done.window, 'postgres');
    const pgPerBareAck = usPerUnit(baselineWindow!, 'postgres');
    return {
      scenario: 'acks',
      startedAt,
      machine: scenarioMachine(),
      parameters: {
        acks: total,
        batchSize: base.batch,
        order: turns.map((t) => t.side),
        broker: 'mosquitto, one edge broker',
        protocol: 'MQTT 5, QoS 1',
      },
      measurements: [
        {
          name: 'ack ingestion rate (MQTT → Postgres, exact counters)',
          value: done.rate,
          unit: 'acks/s',
          baseline: { name: 'bare batched UPDATE', value: baselineRate },
          ratio: done.rate / baselineRate,
          target: '>= 1.0x bare batched UPDATE',
          targetId: 'ack-rate',
        },
        {
          name: 'Postgres CPU per ack (whole server)',
          value: pgPerAck,
          unit: 'µs',
          baseline: { name: 'bare batched UPDATE', value: pgPerBareAck },
          ...cpuRatio(pgPerAck, pgPerBareAck),
        },
        { name: 'tracker CPU per ack', value: usPerUnit(done.window, 'tracker'), unit: 'µs' },
      ],
      cpu: [done.window, baselineWindow!],
      notes: [
        `Acks were queued on the broker while the tracker was stopped; the rate is taken from the commit stamps of its ${done.batches} batches (${done.drained} acks between the first and the last), so process start-up is not counted. CPU is read from the first ack counted to the last, so start-up is left out there too.`,
        `Order: ${turns.map((t) => t.side).join(' → ')} (rotated between runs). The tracker acknowledges each ack to the broker only after its batch committed; the baseline skips MQTT, the monotonic checks and the row locks.`,
        `Counters equal a fresh count of the deliveries table: ${exact.rows[0]?.ok === true ? 'yes' : 'NO'}.`,
      ],
    };
  });
}

async function bareUpdates(db: Db, campaign: SeededAcks, batch: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < campaign.noticeIds.length; i += batch) {
    await db.pool.query(
      `UPDATE deliveries SET state = 'received', received_at = now(), updated_at = now()
       WHERE notice_id = ANY($1::uuid[])`,
      [campaign.noticeIds.slice(i, i + batch)],
    );
  }
  return (performance.now() - started) / 1000;
}

async function drain(
  db: Db,
  tracker: AppProcess,
  campaign: SeededAcks,
  total: number,
  meter: CpuMeter,
): Promise<Drained> {
  const startPromise = tracker.start();
  const deadline = Date.now() + 600_000;
  let first = 0;
  while ((first = await counted(db.pool, campaign.campaignId, 'received')) === 0) {
    if (Date.now() > deadline) throw new Error('the tracker applied no ack in 10 minutes');
    await sleep(10);
  }
  meter.add(pidSource('tracker', tracker.pid, 'roadcast'));
  const before = await meter.snapshot();
  while ((await counted(db.pool, campaign.campaignId, 'received')) < total) {
    if (Date.now() > deadline)
      throw new Error(`the tracker did not apply ${total} acks in 10 minutes`);
    await sleep(50);
  }
  const usage = meter.usage(before, await meter.snapshot());
  await startPromise;
  // Each batch is one transaction and stamps its rows with its start time, so the batches'
  // own timestamps give the rate without polling error: every batch but the last ran
  // between the first stamp and the last.
  const { rows: batches } = await db.pool.query<{ at: Date; n: number }>(
    `SELECT received_at AS at, count(*)::int AS n FROM deliveries WHERE campaign_id = $1
     GROUP BY received_at ORDER BY received_at`,
    [campaign.campaignId],
  );
  const spanS = (batches.at(-1)!.at.getTime() - batches[0]!.at.getTime()) / 1000;
  const drained = total - batches.at(-1)!.n;
  return {
    rate: batches.length > 1 && spanS > 0 ? drained / spanS : Number.NaN,
    batches: batches.length,
    drained,
    window: cpuWindow('tracker draining acks into Postgres', 'ack', total - first, usage, {
      involved: ['tracker', 'postgres', DB_BACKENDS, 'mosquitto', 'redis'],
    }),
  };
}

/**
 * Publishes one `received` ack per vehicle, QoS 1, from four connections. Each stands in for
 * many vehicles, so it logs in as the test brokers' observer, which may write every vehicle's
 * topics.
 */
async function publishAcks(
  url: string,
  login: BrokerCredentials,
  vehicleIds: string[],
  noticeIds: string[],
): Promise<void> {
  const clients = await Promise.all(
    [0, 1, 2, 3].map(() =>
      mqtt.connectAsync(url, { ...login, clientId: `bench-${randomUUID()}`, protocolVersion: 5 }),
    ),
  );
  try {
    const at = new Date().toISOString();
    for (let i = 0; i < vehicleIds.length; i += 2_000) {
      await Promise.all(
        vehicleIds
          .slice(i, i + 2_000)
          .map((vehicleId, j) =>
            clients[(i + j) % clients.length]!.publishAsync(
              ackTopic(vehicleId),
              JSON.stringify({ noticeId: noticeIds[i + j], state: 'received', at }),
              { qos: 1 },
            ),
          ),
      );
    }
  } finally {
    await Promise.all(clients.map((c) => c.endAsync()));
  }
}

export const acks: Scenario = {
  name: 'acks',
  description:
    'Ack ingestion: a tracker process drains acks queued on an edge broker into Postgres with exact counters, against a bare batched UPDATE; CPU per ack of tracker, Postgres and broker.',
  run,
};
