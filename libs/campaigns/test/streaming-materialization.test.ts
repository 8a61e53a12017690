import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '@roadcast/db';
import type { FanoutJob, PipelineQueues } from '@roadcast/queue';
import type { CampaignCreateRequest } from '@roadcast/contracts';
import {
  cancelCampaign,
  createCampaign,
  getCampaignDetail,
  materializeCampaign,
  pauseCampaign,
  resumeCampaign,
  resumeMaterializations,
  startWave,
  type PipelineDeps,
} from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';

// Targets above the inline limit are written in the background in chunks; these tests run
// that job's body directly, with small chunks over a fleet of 1,000.

let fixture: CampaignsFixture;
let db: Db;
let queues: PipelineQueues;
let deps: PipelineDeps;

before(async () => {
  fixture = await startCampaignsFixture(
    'streaming',
    `INSERT INTO vehicles (id, model, region, software_version, tags)
     SELECT 'ST' || lpad(g::text, 6, '0'), CASE WHEN g % 2 = 0 THEN 'sedan' ELSE 'truck' END,
            'eu', '1.0.0', ARRAY[]::text[]
     FROM generate_series(1, 1000) g`,
    { fanoutBatchSize: 50, materialization: { inlineLimit: 5, chunkSizes: [64, 128] } },
  );
  ({ db, queues, deps } = fixture);
});

after(async () => {
  await fixture.close();
});

const update = {
  id: 'gateway',
  version: '3.1.0',
  url: 'https://updates.example.com/gateway/3.1.0.bin',
  sha256: 'd'.repeat(64),
  size: 2048,
};

function request(overrides: Partial<CampaignCreateRequest> = {}): CampaignCreateRequest {
  return { name: 'Gateway 3.1', update, target: { filter: { model: 'sedan' } }, ...overrides };
}

/** Every delivery id in a queued fan-out job of the campaign, with repeats. */
async function enqueuedIds(campaignId: string): Promise<number[]> {
  const jobs = await queues.notices.getJobs(['waiting', 'prioritized', 'delayed'], 0, -1);
  return jobs
    .filter((j) => j.name === 'fanout' && (j.data as FanoutJob).campaignId === campaignId)
    .flatMap((j) => (j.data as FanoutJob).deliveryIds);
}

async function deliveryIds(campaignId: string, where = 'TRUE'): Promise<number[]> {
  const { rows } = await db.pool.query<{ id: number }>(
    `SELECT id FROM deliveries WHERE campaign_id = $1 AND ${where} ORDER BY id`,
    [campaignId],
  );
  return rows.map((r) => r.id);
}

/** The counters agree with a fresh count of the rows, per wave and state. */
async function assertCountersExact(campaignId: string): Promise<void> {
  const { rows } = await db.pool.query<{
    wave: number;
    state: string;
    counted: number;
    kept: number;
  }>(
    `SELECT coalesce(d.wave, k.wave) AS wave, coalesce(d.state, k.state)::text AS state,
            coalesce(d.n, 0)::int AS counted, coalesce(k.count, 0)::int AS kept
     FROM (SELECT wave, state, count(*) AS n FROM deliveries WHERE campaign_id = $1 GROUP BY wave, state) d
     FULL JOIN (SELECT wave, state, count FROM campaign_counters WHERE campaign_id = $1 AND count <> 0) k
       ON k.wave = d.wave AND k.state = d.state`,
    [campaignId],
  );
  for (const r of rows) assert.equal(r.kept, r.counted, `counter of wave ${r.wave} ${r.state}`);
}

test('a large target is answered at once and streamed in chunks, each chunk enqueued as it commits', async () => {
  const { campaign } = await createCampaign(deps, request(), { createdBy: 'tester' });
  assert.equal(campaign.status, 'running');
  assert.equal(campaign.total, 0, 'nothing written in the request');
  assert.deepEqual(campaign.materialization, { state: 'materializing', target: null, written: 0 });
  assert.ok(await queues.campaigns.getJob(`materialize-${campaign.id}`), 'materialization queued');

  const seen: Array<{ chunk: number; written: number; enqueued: number }> = [];
  const result = await materializeCampaign(deps, campaign.id, {
    afterCommit: async (chunk) => {
      const [written, enqueued] = await Promise.all([
        deliveryIds(campaign.id),
        enqueuedIds(campaign.id),
      ]);
      seen.push({ chunk, written: written.length, enqueued: enqueued.length });
    },
  });
  assert.deepEqual(result, { done: true, stopped: false, written: 500 });
  assert.deepEqual(
    seen.map((s) => [s.written, s.enqueued]),
    [
      [64, 0],
      [192, 64],
      [320, 192],
      [448, 320],
      [500, 448],
    ],
    'chunk n+1 is written while chunk n is already queued for fan-out',
  );
  const ids = await enqueuedIds(campaign.id);
  assert.equal(ids.length, 500);
  assert.deepEqual(
    [...ids].sort((a, b) => a - b),
    await deliveryIds(campaign.id),
  );
  const detail = await getCampaignDetail(db.pool, campaign.id);
  assert.deepEqual(detail?.materialization, { state: 'done', target: 500, written: 500 });
  assert.equal(detail?.waves[0]?.size, 500);
  await assertCountersExact(campaign.id);
  assert.deepEqual(await materializeCampaign(deps, campaign.id), {
    done: true,
    stopped: false,
    written: 0,
  });
});

/** The wave each vehicle gets from the single-statement materialization, for comparison. */
async function singleStatementWaves(
  campaignId: string,
  percents: number[],
): Promise<Map<string, number>> {
  const { rows } = await db.pool.query<{ id: string; wave: number }>(
    `SELECT v.id, width_bucket(
       (row_number() OVER (ORDER BY hashtext(v.id || $1::uuid::text), v.id) - 1) * 100.0::float8 / count(*) OVER (),
       $2::float8[]) AS wave
     FROM vehicles v WHERE v.id = ANY($3::text[])`,
    [
      campaignId,
      percents,
      (
        await db.pool.query<{ vehicle_id: string }>(
          'SELECT vehicle_id FROM deliveries WHERE campaign_id = $1',
          [campaignId],
        )
      ).rows.map((r) => r.vehicle_id),
    ],
  );
  return new Map(rows.map((r) => [r.id, r.wave]));
}

test('waves get exactly their shares, and the same vehicles the single-statement path gives them', async () => {
  const waves = [{ percent: 10 }, { percent: 35 }, { percent: 100 }];
  const { campaign } = await createCampaign(
    deps,
    request({ target: { filter: {} }, rollout: { waves } }),
    { createdBy: 'tester' },
  );
  await materializeCampaign(deps, campaign.id);
  const detail = await getCampaignDetail(db.pool, campaign.id);
  assert.deepEqual(
    detail?.waves.map((w) => [w.size, w.state, w.counts.pending]),
    [
      [100, 'running', 100],
      [250, 'pending', 250],
      [650, 'pending', 650],
    ],
  );
  const expected = await singleStatementWaves(campaign.id, [10, 35]);
  const { rows } = await db.pool.query<{ vehicleId: string; wave: number }>(
    'SELECT vehicle_id AS "vehicleId", wave FROM deliveries WHERE campaign_id = $1',
    [campaign.id],
  );
  assert.equal(rows.length, 1000);
  for (const r of rows) assert.equal(r.wave, expected.get(r.vehicleId), r.vehicleId);
  const wave0 = await deliveryIds(campaign.id, 'wave = 0');
  assert.deepEqual(
    [...(await enqueuedIds(campaign.id))].sort((a, b) => a - b),
    wave0,
  );
  assert.equal(await startWave(deps, campaign.id, 1), true);
  assert.equal((await enqueuedIds(campaign.id)).length, 350, 'wave 1 enqueued once, by its start');
  await assertCountersExact(campaign.id);
});

test('a wave that no vehicle falls into stays empty, as in the single-statement path', async () => {
  const vehicleIds = Array.from({ length: 10 }, (_, i) => `ST${String(i + 1).padStart(6, '0')}`);
  const { campaign } = await createCampaign(
    deps,
    request({
      target: { vehicleIds },
      rollout: { waves: [{ percent: 1 }, { percent: 2 }, { percent: 100 }] },
    }),
    { createdBy: 'tester' },
  );
  await materializeCampaign(deps, campaign.id);
  const detail = await getCampaignDetail(db.pool, campaign.id);
  assert.deepEqual(
    detail?.waves.map((w) => w.size),
    [1, 0, 9],
  );
  const expected = await singleStatementWaves(campaign.id, [1, 2]);
  const { rows } = await db.pool.query<{ vehicleId: string; wave: number }>(
    'SELECT vehicle_id AS "vehicleId", wave FROM deliveries WHERE campaign_id = $1',
    [campaign.id],
  );
  for (const r of rows) assert.equal(r.wave, expected.get(r.vehicleId), r.vehicleId);
});

test('after a crash between a chunk commit and its fan-out, the job resumes and loses nothing', async () => {
  const { campaign } = await createCampaign(deps, request(), { createdBy: 'tester' });
  await assert.rejects(
    materializeCampaign(deps, campaign.id, {
      afterCommit: (chunk) => {
        if (chunk === 1) throw new Error('process killed');
      },
    }),
    /process killed/,
  );
  assert.equal((await deliveryIds(campaign.id)).length, 192, 'two chunks committed');
  assert.equal((await enqueuedIds(campaign.id)).length, 64, 'only the first one enqueued');
  const result = await materializeCampaign(deps, campaign.id);
  assert.equal(result.done, true);
  const all = await deliveryIds(campaign.id);
  assert.equal(all.length, 500);
  const enqueued = await enqueuedIds(campaign.id);
  assert.deepEqual(
    [...new Set(enqueued)].sort((a, b) => a - b),
    all,
    'every delivery enqueued',
  );
  assert.equal(enqueued.length, 500, 'and none twice');
  await assertCountersExact(campaign.id);
});

test('a cancel mid-materialization stops it; what was written is cancelled', async () => {
  const { campaign } = await createCampaign(deps, request(), { createdBy: 'tester' });
  const result = await materializeCampaign(deps, campaign.id, {
    afterCommit: async (chunk) => {
      if (chunk === 0) await cancelCampaign(deps, campaign.id);
    },
  });
  assert.deepEqual(result, { done: false, stopped: true, written: 64 });
  const detail = await getCampaignDetail(db.pool, campaign.id);
  assert.equal(detail?.status, 'cancelled');
  assert.equal(detail?.materialization.state, 'stopped');
  assert.equal(detail?.total, 64);
  assert.equal(detail?.counts.cancelled, 64);
  await assertCountersExact(campaign.id);
});

test('a pause mid-materialization keeps writing but holds fan-out; resume releases it', async () => {
  const { campaign } = await createCampaign(deps, request(), { createdBy: 'tester' });
  await materializeCampaign(deps, campaign.id, {
    afterCommit: async (chunk) => {
      if (chunk === 0) await pauseCampaign(deps, campaign.id, 'check');
    },
  });
  const detail = await getCampaignDetail(db.pool, campaign.id);
  assert.equal(detail?.status, 'paused');
  assert.equal(detail?.materialization.state, 'done');
  assert.equal(detail?.counts.pending, 500);
  const held = await enqueuedIds(campaign.id);
  assert.equal(held.length, 64, 'only the chunk committed before the pause was enqueued');
  await resumeCampaign(deps, campaign.id);
  const enqueued = await enqueuedIds(campaign.id);
  const written = await deliveryIds(campaign.id);
  assert.deepEqual(
    [...new Set(enqueued)].sort((a, b) => a - b),
    written,
  );
  const heldSet = new Set(held);
  assert.equal(
    enqueued.filter((id) => !heldSet.has(id)).length,
    500 - 64,
    'what was written while paused is enqueued once, by the resume',
  );
});

test('a retry with the same idempotency key mid-materialization returns the campaign, one job', async () => {
  const meta = { createdBy: 'tester', idempotencyKey: 'stream-1' };
  const first = await createCampaign(deps, request(), meta);
  const again = await createCampaign(deps, request(), meta);
  assert.equal(again.replayed, true);
  assert.equal(again.campaign.id, first.campaign.id);
  const jobs = await queues.campaigns.getJobs(
    ['waiting', 'prioritized', 'delayed', 'active'],
    0,
    -1,
  );
  assert.equal(jobs.filter((j) => j.id === `materialize-${first.campaign.id}`).length, 1);
});

test('vehicles registered after the campaign are not part of it', async () => {
  const { campaign } = await createCampaign(
    deps,
    request({ target: { filter: { region: 'eu' } } }),
    {
      createdBy: 'tester',
    },
  );
  await db.pool.query(
    `INSERT INTO vehicles (id, model, region, software_version) VALUES ('ST999999', 'sedan', 'eu', '1.0.0')`,
  );
  await materializeCampaign(deps, campaign.id);
  const detail = await getCampaignDetail(db.pool, campaign.id);
  assert.equal(detail?.total, 1000);
  assert.equal(detail?.materialization.target, 1000);
  await db.pool.query(`DELETE FROM vehicles WHERE id = 'ST999999'`);
});

test('unfinished materializations go back to the queue; finished ones do not', async () => {
  const { campaign: unfinished } = await createCampaign(deps, request(), { createdBy: 'tester' });
  const { campaign: finished } = await createCampaign(deps, request(), { createdBy: 'tester' });
  await materializeCampaign(deps, finished.id);
  await queues.campaigns.obliterate({ force: true });
  await resumeMaterializations(deps);
  assert.ok(await queues.campaigns.getJob(`materialize-${unfinished.id}`));
  assert.equal(await queues.campaigns.getJob(`materialize-${finished.id}`), undefined);
});
