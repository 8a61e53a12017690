import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '@roadcast/db';
import type { CancelNoticesJob, PipelineQueues, FanoutJob } from '@roadcast/queue';
import type { CampaignCreateRequest } from '@roadcast/contracts';
import {
  CampaignError,
  cancelCampaign,
  createCampaign,
  getCampaignDetail,
  pauseCampaign,
  resumeCampaign,
  startWave,
  type PipelineDeps,
} from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';

let fixture: CampaignsFixture;
let db: Db;
let queues: PipelineQueues;
let deps: PipelineDeps;

before(async () => {
  fixture = await startCampaignsFixture(
    'campaigns',
    `INSERT INTO vehicles (id, model, region, software_version, tags)
     SELECT 'VH' || lpad(g::text, 6, '0'),
            CASE WHEN g % 2 = 0 THEN 'sedan' ELSE 'truck' END,
            CASE WHEN g % 3 = 0 THEN 'eu' ELSE 'us' END,
            '1.0.0',
            CASE WHEN g % 5 = 0 THEN ARRAY['beta'] ELSE ARRAY[]::text[] END
     FROM generate_series(1, 1000) g`,
    { fanoutBatchSize: 100 },
  );
  ({ db, queues, deps } = fixture);
});

after(async () => {
  await fixture.close();
});

const update = {
  id: 'infotainment',
  version: '2.0.0',
  url: 'https://updates.example.com/infotainment/2.0.0.bin',
  sha256: 'b'.repeat(64),
  size: 4096,
};

function request(overrides: Partial<CampaignCreateRequest> = {}): CampaignCreateRequest {
  return { name: 'Infotainment 2.0', update, target: { filter: { model: 'sedan' } }, ...overrides };
}

async function fanoutJobs(campaignId: string): Promise<FanoutJob[]> {
  const jobs = await queues.notices.getJobs(['waiting', 'prioritized', 'delayed'], 0, -1);
  return jobs.map((j) => j.data as FanoutJob).filter((d) => d.campaignId === campaignId);
}

test('creating a campaign materializes one delivery per targeted vehicle and starts wave 0', async () => {
  const { campaign, replayed } = await createCampaign(deps, request(), { createdBy: 'tester' });
  assert.equal(replayed, false);
  assert.equal(campaign.status, 'running');
  assert.equal(campaign.total, 500);
  assert.equal(campaign.counts.pending, 500);
  assert.equal(campaign.counts.installed, 0);
  const jobs = await fanoutJobs(campaign.id);
  assert.equal(jobs.length, 5);
  assert.equal(new Set(jobs.flatMap((j) => j.deliveryIds)).size, 500);
});

test('listed ids and the filter are combined, unknown ids ignored', async () => {
  const { campaign } = await createCampaign(
    deps,
    request({
      target: {
        vehicleIds: ['VH000001', 'VH000003', 'NOPE'],
        filter: { region: 'eu', tags: ['beta'] },
      },
    }),
    { createdBy: 'tester' },
  );
  // eu = multiple of 3, beta = multiple of 5: 66 vehicles, plus two listed ones that are neither.
  assert.equal(campaign.total, 68);
});

test('waves receive exactly their cumulative share and only wave 0 is enqueued', async () => {
  const { campaign } = await createCampaign(
    deps,
    request({
      target: { filter: {} },
      rollout: { waves: [{ percent: 10 }, { percent: 35 }, { percent: 100 }] },
    }),
    { createdBy: 'tester' },
  );
  assert.deepEqual(
    campaign.waves.map((w) => [w.size, w.state, w.counts.pending]),
    [
      [100, 'running', 100],
      [250, 'pending', 250],
      [650, 'pending', 650],
    ],
  );
  assert.equal((await fanoutJobs(campaign.id)).flatMap((j) => j.deliveryIds).length, 100);
  assert.equal(await startWave(deps, campaign.id, 1), true);
  assert.equal(await startWave(deps, campaign.id, 1), false, 'a wave starts once');
  assert.equal((await fanoutJobs(campaign.id)).flatMap((j) => j.deliveryIds).length, 350);
  const detail = await getCampaignDetail(db.pool, campaign.id);
  assert.equal(detail?.currentWave, 1);
});

test('the same idempotency key returns the same campaign; a different body is a conflict', async () => {
  const meta = { createdBy: 'tester', idempotencyKey: 'key-1' };
  const first = await createCampaign(deps, request(), meta);
  const second = await createCampaign(deps, request(), meta);
  assert.equal(second.replayed, true);
  assert.equal(second.campaign.id, first.campaign.id);
  const other = await createCampaign(deps, request(), { ...meta, createdBy: 'someone-else' });
  assert.notEqual(other.campaign.id, first.campaign.id, 'keys are scoped to the caller');
  await assert.rejects(
    createCampaign(deps, request({ name: 'different' }), meta),
    (err: unknown) =>
      err instanceof CampaignError && err.code === 'ROADCAST_ERR_IDEMPOTENCY_MISMATCH',
  );
  const { rows } = await db.pool.query(
    'SELECT count(*)::int AS n FROM campaigns WHERE idempotency_key = $1',
    ['key-1'],
  );
  assert.equal(rows[0].n, 2);
});

test('concurrent creates with one idempotency key store one campaign', async () => {
  const meta = { createdBy: 'tester', idempotencyKey: 'race' };
  const results = await Promise.all([1, 2, 3].map(() => createCampaign(deps, request(), meta)));
  assert.equal(new Set(results.map((r) => r.campaign.id)).size, 1);
});

test('rollouts and schedules are validated', async () => {
  const bad: Array<[Partial<CampaignCreateRequest>, string]> = [
    [
      { rollout: { waves: [{ percent: 50 }, { percent: 40 }, { percent: 100 }] } },
      'ROADCAST_ERR_INVALID_ROLLOUT',
    ],
    [{ rollout: { waves: [{ percent: 50 }] } }, 'ROADCAST_ERR_INVALID_ROLLOUT'],
    [{ expiresAt: '2020-01-01T00:00:00Z' }, 'ROADCAST_ERR_INVALID_SCHEDULE'],
  ];
  for (const [overrides, code] of bad) {
    await assert.rejects(
      createCampaign(deps, request(overrides), { createdBy: 'tester' }),
      (err: unknown) => {
        return err instanceof CampaignError && err.code === code;
      },
    );
  }
});

test('a future campaign waits as scheduled with a delayed start job', async () => {
  const startAt = new Date(Date.now() + 3_600_000).toISOString();
  const { campaign } = await createCampaign(deps, request({ startAt }), { createdBy: 'tester' });
  assert.equal(campaign.status, 'scheduled');
  const job = await queues.campaigns.getJob(`start-${campaign.id}`);
  assert.ok(job);
  assert.ok(await job.isDelayed());
  assert.equal((await fanoutJobs(campaign.id)).length, 0);
});

test('pause, resume and cancel move the campaign and its deliveries', async () => {
  const { campaign } = await createCampaign(
    deps,
    request({ target: { filter: { region: 'eu' } } }),
    { createdBy: 'tester' },
  );
  await pauseCampaign(deps, campaign.id, 'operator check');
  let detail = await getCampaignDetail(db.pool, campaign.id);
  assert.equal(detail?.status, 'paused');
  assert.equal(detail?.pausedReason, 'operator check');
  await assert.rejects(pauseCampaign(deps, campaign.id, 'again'), {
    code: 'ROADCAST_ERR_CAMPAIGN_STATE',
  });

  // Two deliveries reached a session, one was parked, one acknowledged.
  await db.pool.query(
    `UPDATE deliveries SET state = v.state::delivery_state FROM (VALUES ('VH000003', 'published'), ('VH000006', 'parked'), ('VH000009', 'received'))
     AS v(vehicle, state) WHERE campaign_id = $1 AND vehicle_id = v.vehicle`,
    [campaign.id],
  );
  const before = (await fanoutJobs(campaign.id)).flatMap((j) => j.deliveryIds).length;
  await resumeCampaign(deps, campaign.id);
  detail = await getCampaignDetail(db.pool, campaign.id);
  assert.equal(detail?.status, 'running');
  const after = (await fanoutJobs(campaign.id)).flatMap((j) => j.deliveryIds).length;
  assert.equal(
    after - before,
    detail!.counts.pending,
    'resume enqueues the pending deliveries again',
  );

  const result = await cancelCampaign(deps, campaign.id);
  assert.equal(
    result.told,
    2,
    'published and received vehicles get a cancel notice, parked ones do not',
  );
  detail = await getCampaignDetail(db.pool, campaign.id);
  assert.equal(detail?.status, 'cancelled');
  assert.equal(detail?.counts.cancelled, detail?.total);
  const cancelJobs = await queues.notices.getJobs(['waiting', 'prioritized'], 0, -1);
  assert.equal(
    cancelJobs
      .filter(
        (j) =>
          j.name === 'cancel-notices' && (j.data as CancelNoticesJob).campaignId === campaign.id,
      )
      .flatMap((j) => j.data.deliveryIds).length,
    2,
  );
  await assert.rejects(cancelCampaign(deps, campaign.id), { code: 'ROADCAST_ERR_CAMPAIGN_STATE' });
  await assert.rejects(resumeCampaign(deps, '00000000-0000-4000-8000-000000000000'), {
    code: 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND',
  });
});
