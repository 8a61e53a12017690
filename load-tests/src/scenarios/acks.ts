import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { ackTopic } from '@roadcast/contracts';
import { createDb } from '@roadcast/db';
import {
  AppProcess,
  createTestDatabase,
  freePort,
  platformPasswordFile,
  startMosquitto,
  uniquePrefix,
  type MosquittoBroker,
} from '@roadcast/testing';
import { scenarioMachine } from '../runner/machine.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';
import { counted, seedPublishedCampaign } from './acks-fixture.js';

const WORKSPACE = resolve(import.meta.dirname, '../../..');
const DEFAULTS = { acks: 100_000, batch: 5_000 };
const SMOKE = { acks: 2_000, batch: 500 };

/**
 * Ack ingestion: acks queued on an edge broker for the tracker's persistent shared
 * subscription are drained by a real tracker process into Postgres (batched, monotonic,
 * counters kept exact by the triggers). Baseline, same run and same batch size: a bare
 * batched `UPDATE … WHERE notice_id = ANY(…)` without checks, ordering or MQTT.
 */
async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  const total = options.vehicles ?? base.acks;
  const database = await createTestDatabase({ label: 'bench_acks' });
  const db = createDb(database.url, { poolSize: 4 });
  const outDir = join(options.outDir, 'acks');
  await mkdir(outDir, { recursive: true });
  const broker = await startMosquitto({
    persistence: false,
    maxQueuedMessages: total * 2,
    dataDir: join(outDir, 'mosquitto'),
  });
  const adminPort = await freePort();
  const redisPrefix = uniquePrefix('bench-acks');
  const tracker = new AppProcess({
    app: 'tracker',
    workspace: WORKSPACE,
    healthUrl: `http://127.0.0.1:${adminPort}/readyz`,
    logFile: join(outDir, 'tracker.log'),
    startTimeoutMs: 60_000,
    env: {
      DATABASE_URL: database.url,
      REDIS_PREFIX: redisPrefix,
      LOG_LEVEL: 'warn',
      TRACKER_ADMIN_PORT: String(adminPort),
      TRACKER_INSTANCE_ID: 'bench',
      TRACKER_EDGE_PASSWORD_FILE: platformPasswordFile('tracker'),
      TRACKER_BATCH_SIZE: String(base.batch),
      TRACKER_SWEEP_INTERVAL_MS: '600000',
    },
  });
  try {
    await db.pool.query(`INSERT INTO edge_pools (id, name) VALUES ('bench', 'bench')`);
    await db.pool.query(
      `INSERT INTO edge_brokers (id, pool_id, url) VALUES ('bench-1', 'bench', $1)`,
      [broker.url],
    );
    options.progress?.(0, 4, 'seeding deliveries');
    const baselineCampaign = await seedPublishedCampaign(db.pool, total, 'base');
    const trackedCampaign = await seedPublishedCampaign(db.pool, total, 'trak');

    // Baseline: one connection, batches back to back.
    options.progress?.(1, 4, 'baseline UPDATE');
    const baselineStart = performance.now();
    for (let i = 0; i < total; i += base.batch) {
      await db.pool.query(
        `UPDATE deliveries SET state = 'received', received_at = now(), updated_at = now()
         WHERE notice_id = ANY($1::uuid[])`,
        [baselineCampaign.noticeIds.slice(i, i + base.batch)],
      );
    }
    const baselineRate = total / ((performance.now() - baselineStart) / 1000);

    // The tracker creates its session, then stops; acks published meanwhile wait in it.
    options.progress?.(2, 4, 'queueing acks on the broker');
    await tracker.start();
    await tracker.stop();
    await publishAcks(broker, trackedCampaign.vehicleIds, trackedCampaign.noticeIds);

    options.progress?.(3, 4, 'tracker draining');
    await tracker.start();
    const deadline = Date.now() + 600_000;
    while ((await counted(db.pool, trackedCampaign.campaignId, 'received')) < total) {
      if (Date.now() > deadline)
        throw new Error(`the tracker did not apply ${total} acks in 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Each batch is one transaction and stamps its rows with its start time, so the batches'
    // own timestamps give the rate without polling error: every batch but the last ran
    // between the first stamp and the last.
    const { rows: batches } = await db.pool.query<{ at: Date; n: number }>(
      `SELECT received_at AS at, count(*)::int AS n FROM deliveries WHERE campaign_id = $1
       GROUP BY received_at ORDER BY received_at`,
      [trackedCampaign.campaignId],
    );
    const spanS = (batches.at(-1)!.at.getTime() - batches[0]!.at.getTime()) / 1000;
    const drained = total - batches.at(-1)!.n;
    const trackerRate = batches.length > 1 && spanS > 0 ? drained / spanS : Number.NaN;
    options.progress?.(4, 4, 'done');
    const exact = await db.pool.query<{ ok: boolean }>(
      `SELECT bool_and(c.count = t.n) AS ok FROM campaign_counters c
       JOIN (SELECT campaign_id, wave, state, count(*) AS n FROM deliveries GROUP BY 1, 2, 3) t
         USING (campaign_id, wave, state)`,
    );
    return {
      scenario: 'acks',
      startedAt,
      machine: scenarioMachine(),
      parameters: {
        acks: total,
        batchSize: base.batch,
        broker: 'mosquitto, one edge broker',
        protocol: 'MQTT 5, QoS 1',
      },
      measurements: [
        {
          name: 'ack ingestion rate (MQTT → Postgres, exact counters)',
          value: trackerRate,
          unit: 'acks/s',
          baseline: { name: 'bare batched UPDATE', value: baselineRate },
          ratio: trackerRate / baselineRate,
          target: '>= 20000 acks/s',
          goal: { compare: '>=', threshold: 20_000 },
          met: trackerRate >= 20_000,
        },
      ],
      notes: [
        `Acks were queued on the broker while the tracker was stopped; the rate is taken from the commit stamps of its ${batches.length} batches (${drained} acks between the first and the last), so process start-up is not counted.`,
        `The tracker acknowledges each ack to the broker only after its batch committed; the baseline skips MQTT, the monotonic checks and the row locks.`,
        `Counters equal a fresh count of the deliveries table: ${exact.rows[0]?.ok === true ? 'yes' : 'NO'}.`,
      ],
    };
  } finally {
    await tracker.stop().catch(() => undefined);
    await broker.stop().catch(() => undefined);
    await db.close();
    await database.drop();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await redis.del(`${redisPrefix}:presence-events`).catch(() => undefined);
    redis.disconnect();
  }
}

/**
 * Publishes one `received` ack per vehicle, QoS 1, from four connections; each stands in for
 * many vehicles, so it logs in as the test observer.
 */
async function publishAcks(
  broker: MosquittoBroker,
  vehicleIds: string[],
  noticeIds: string[],
): Promise<void> {
  const clients = await Promise.all(
    [0, 1, 2, 3].map(() =>
      mqtt.connectAsync(broker.url, {
        ...broker.credentials('observer'),
        clientId: `bench-${randomUUID()}`,
        protocolVersion: 5,
      }),
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
    'Ack ingestion: a tracker process drains acks queued on an edge broker into Postgres with exact counters, against a bare batched UPDATE.',
  run,
};
