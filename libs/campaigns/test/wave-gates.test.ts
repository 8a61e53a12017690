import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryStateName, WaveStateName } from '@roadcast/contracts';
import { lastEventId, readEvents } from '@roadcast/queue';
import {
  advanceRollouts,
  approveWaitingWave,
  startCampaign,
  type PipelineDeps,
} from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';
import { seedCampaign } from './seed-campaign.js';

let fixture: CampaignsFixture;
let deps: PipelineDeps;

before(async () => {
  fixture = await startCampaignsFixture('wave_gates', 'SELECT 1', { fanoutBatchSize: 100 });
  ({ deps } = fixture);
});

after(async () => {
  await fixture.close();
});

/**
 * A running, fully written campaign of two waves: the first with these deliveries, the
 * second with 4 pending ones; thresholds 90 % success, 10 % failure, sizes as written.
 */
async function twoWaves(
  first: readonly DeliveryStateName[],
  options: { gated?: boolean; thresholdBasis?: 'target' | 'reached' } = {},
) {
  const seeded = await seedCampaign(deps.pool, {
    status: 'running',
    deliveries: [...first, 'pending', 'pending', 'pending', 'pending'],
    waveOf: (i) => (i < first.length ? 0 : 1),
    waves: [{ state: 'running' }, { state: 'pending', requiresApproval: options.gated ?? false }],
    columns: { materialized_at: new Date(), threshold_basis: options.thresholdBasis ?? 'target' },
  });
  await deps.pool.query(
    `UPDATE campaign_waves SET success_threshold = 0.9, failure_threshold = 0.1,
       size = CASE index WHEN 0 THEN $2::int ELSE 4 END
     WHERE campaign_id = $1`,
    [seeded.id, first.length],
  );
  return seeded.id;
}

async function waveStates(id: string): Promise<WaveStateName[]> {
  const { rows } = await deps.pool.query<{ state: WaveStateName }>(
    'SELECT state FROM campaign_waves WHERE campaign_id = $1 ORDER BY index',
    [id],
  );
  return rows.map((r) => r.state);
}

async function pass(id: string) {
  return (await advanceRollouts(deps)).filter((a) => a.campaignId === id);
}

async function eventsSince(from: string, id: string) {
  const events = await readEvents(deps.redis!, deps.prefix!, from, { blockMs: 0, count: 100 });
  return events.map((e) => e.event).filter((e) => e.campaignId === id);
}

test('the rollout holds a wave that requires approval and says so; approval starts it', async () => {
  const id = await twoWaves(['installed', 'installed', 'installed', 'installed'], {
    gated: true,
  });
  const from = await lastEventId(deps.redis!, deps.prefix!);
  assert.deepEqual(await pass(id), [
    { action: 'await-approval', wave: 1, finished: 0, campaignId: id },
  ]);
  assert.deepEqual(await waveStates(id), ['done', 'awaiting_approval']);
  assert.deepEqual(await pass(id), [], 'held: later passes change nothing');
  const { rows: pending } = await deps.pool.query(
    `SELECT count(*)::int AS n FROM deliveries WHERE campaign_id = $1 AND wave = 1 AND state = 'pending'`,
    [id],
  );
  assert.equal(pending[0].n, 4);
  const held = await eventsSince(from, id);
  assert.deepEqual(
    held.map((e) => e.data),
    [{ status: 'running', wave: 1, waveState: 'awaiting_approval' }],
  );

  await approveWaitingWave(deps, id, 1, 'ops (key)');
  assert.deepEqual(await waveStates(id), ['done', 'running']);
  const { rows } = await deps.pool.query(
    `SELECT c.current_wave AS "currentWave", w.approved_by AS "approvedBy"
     FROM campaigns c JOIN campaign_waves w ON w.campaign_id = c.id AND w.index = 1 WHERE c.id = $1`,
    [id],
  );
  assert.deepEqual(rows[0], { currentWave: 1, approvedBy: 'ops (key)' });
  const approved = await eventsSince(from, id);
  assert.deepEqual(approved.at(-1)?.data, {
    status: 'running',
    wave: 1,
    waveState: 'running',
    approvedBy: 'ops (key)',
  });
  // Nothing else in this file enqueued yet: the seeded first wave never did.
  const jobs = await deps.queues.notices.getJobCounts('waiting', 'prioritized');
  assert.ok((jobs.waiting ?? 0) + (jobs.prioritized ?? 0) > 0, 'the approved wave was enqueued');
});

test('approval refuses an unknown campaign or wave and a wave that is not waiting, with codes', async () => {
  const id = await twoWaves(['installed'], { gated: true });
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'none',
      (err: { code?: string }) => err.code,
    );
  assert.equal(
    await code(approveWaitingWave(deps, '00000000-0000-4000-8000-000000000000', 1, 'x')),
    'ROADCAST_ERR_CAMPAIGN_NOT_FOUND',
  );
  assert.equal(await code(approveWaitingWave(deps, id, 7, 'x')), 'ROADCAST_ERR_WAVE_NOT_FOUND');
  assert.equal(await code(approveWaitingWave(deps, id, 1, 'x')), 'ROADCAST_ERR_WAVE_STATE');
  assert.equal(await code(approveWaitingWave(deps, id, 0, 'x')), 'ROADCAST_ERR_WAVE_STATE');
  await deps.pool.query(
    `UPDATE campaign_waves SET state = 'awaiting_approval' WHERE campaign_id = $1 AND index = 1`,
    [id],
  );
  await deps.pool.query(`UPDATE campaigns SET status = 'paused' WHERE id = $1`, [id]);
  assert.equal(await code(approveWaitingWave(deps, id, 1, 'x')), 'ROADCAST_ERR_CAMPAIGN_STATE');
  assert.deepEqual(await waveStates(id), ['running', 'awaiting_approval']);
});

test('a campaign whose first wave requires approval starts holding it', async () => {
  const seeded = await seedCampaign(deps.pool, {
    status: 'scheduled',
    deliveries: ['pending', 'pending'],
    waves: [{ state: 'pending', requiresApproval: true }],
    columns: { materialized_at: new Date() },
  });
  assert.equal(await startCampaign(deps, seeded.id), true);
  assert.deepEqual(await waveStates(seeded.id), ['awaiting_approval']);
  await approveWaitingWave(deps, seeded.id, 0, 'ops');
  assert.deepEqual(await waveStates(seeded.id), ['running']);
});

const PARKED_30: DeliveryStateName[] = [
  ...Array<DeliveryStateName>(7).fill('installed'),
  'parked',
  'parked',
  'published',
];

test('with the reached basis a wave with 30 % of its deliveries silent moves on; by target it stays', async () => {
  // Each pass judges every running campaign: the first is judged before the second exists.
  const byTarget = await twoWaves(PARKED_30);
  assert.deepEqual(await pass(byTarget), []);
  assert.deepEqual(await waveStates(byTarget), ['running', 'pending']);
  const byReached = await twoWaves(PARKED_30, { thresholdBasis: 'reached' });
  assert.deepEqual(await pass(byReached), [
    { action: 'next-wave', wave: 1, finished: 0, campaignId: byReached },
  ]);
  assert.deepEqual(await waveStates(byTarget), ['running', 'pending'], 'by target it stays');
  assert.deepEqual(await waveStates(byReached), ['done', 'running']);
});

test('with the reached basis, failures among the reached pause where the target share would not', async () => {
  // 8 installed and 2 failed of 10 reached (20 %), 10 parked: 2 of 20 is exactly 10 % of the wave.
  const id = await twoWaves(
    [
      ...Array<DeliveryStateName>(8).fill('installed'),
      'failed',
      'timed_out',
      ...Array<DeliveryStateName>(10).fill('parked'),
    ],
    { thresholdBasis: 'reached' },
  );
  const actions = await pass(id);
  assert.equal(actions.length, 1);
  assert.equal(actions[0]!.action, 'pause');
  const { rows } = await deps.pool.query(
    'SELECT status, paused_reason AS reason FROM campaigns WHERE id = $1',
    [id],
  );
  assert.equal(rows[0].status, 'paused');
  assert.match(
    rows[0].reason,
    /2 of 10 reached vehicles failed, timed out or were rejected \(20% > 10%\)/,
  );
});
