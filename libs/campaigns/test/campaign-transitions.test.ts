import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAMPAIGN_OPERATIONS,
  CAMPAIGN_STATUSES,
  WAVE_OPERATIONS,
  WAVE_STATES,
  canChangeCampaign,
  canChangeWave,
  type CampaignOperationName,
  type CampaignStatusName,
  type WaveOperationName,
  type WaveStateName,
} from '@roadcast/contracts';
import type { Db } from '@roadcast/db';
import {
  approveWave,
  awaitApproval,
  cancelCampaign,
  closeWaves,
  completeCampaign,
  expireCampaigns,
  finishWave,
  pauseCampaign,
  resumeCampaign,
  retryCampaign,
  startCampaign,
  startWave,
  type PipelineDeps,
} from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';
import { campaignStatus, seedCampaign } from './seed-campaign.js';

let fixture: CampaignsFixture;
let db: Db;
let deps: PipelineDeps;

before(async () => {
  fixture = await startCampaignsFixture('campaign_transitions', 'SELECT 1', {
    fanoutBatchSize: 100,
  });
  ({ db, deps } = fixture);
});

after(async () => {
  await fixture.close();
});

const ignoreRefusal = (err: unknown) => {
  if ((err as { code?: string }).code !== 'ROADCAST_ERR_CAMPAIGN_STATE') throw err;
};

/**
 * Each campaign operation from each status, every other condition it has met (due start,
 * nothing open, expiry passed, a failed delivery to retry): only the status decides.
 */
const RUN: Record<CampaignOperationName, (id: string) => Promise<unknown>> = {
  start: (id) => startCampaign(deps, id),
  pause: (id) => pauseCampaign(deps, id, 'test').catch(ignoreRefusal),
  resume: (id) => resumeCampaign(deps, id).catch(ignoreRefusal),
  complete: (id) => completeCampaign(deps, id),
  reopen: (id) => retryCampaign(deps, id, {}, 'test').catch(ignoreRefusal),
  cancel: (id) => cancelCampaign(deps, id, 'test').catch(ignoreRefusal),
  expire: () => expireCampaigns(deps),
};

test('every campaign operation changes exactly the statuses the table lists, to what it lists', async () => {
  for (const operation of Object.keys(CAMPAIGN_OPERATIONS) as CampaignOperationName[]) {
    for (const from of CAMPAIGN_STATUSES) {
      const seeded = await seedCampaign(db.pool, {
        status: from,
        // A failed delivery gives a retry something to reopen with; it is not open.
        deliveries: operation === 'reopen' ? ['failed'] : ['installed'],
        expiresInSeconds: operation === 'expire' ? -1 : 3600,
      });
      await RUN[operation](seeded.id);
      const to = await campaignStatus(db.pool, seeded.id);
      const allowed: readonly CampaignStatusName[] = CAMPAIGN_OPERATIONS[operation].from;
      if (allowed.includes(from)) {
        assert.ok(canChangeCampaign(operation, from, to), `${operation}: ${from} -> ${to}`);
      } else {
        assert.equal(to, from, `${operation} leaves a ${from} campaign alone`);
      }
    }
  }
});

const WAVE_RUN: Record<WaveOperationName, (id: string) => Promise<unknown>> = {
  start: (id) => startWave(deps, id, 0),
  awaitApproval: (id) => awaitApproval(deps.pool, id, 0),
  approve: (id) => approveWave(deps, id, 0, 'operator (key)'),
  finish: (id) => finishWave(deps.pool, id, 0),
  close: (id) => closeWaves(deps.pool, id),
};

test('every wave operation changes exactly the states the table lists, to what it lists', async () => {
  for (const operation of Object.keys(WAVE_OPERATIONS) as WaveOperationName[]) {
    for (const from of WAVE_STATES) {
      const seeded = await seedCampaign(db.pool, {
        status: 'running',
        deliveries: ['pending'],
        waves: [{ state: from, requiresApproval: true }],
      });
      await WAVE_RUN[operation](seeded.id);
      const { rows } = await db.pool.query<{ state: WaveStateName; approvedBy: string | null }>(
        `SELECT state, approved_by AS "approvedBy" FROM campaign_waves WHERE campaign_id = $1`,
        [seeded.id],
      );
      const to = rows[0]!.state;
      const allowed: readonly WaveStateName[] = WAVE_OPERATIONS[operation].from;
      if (allowed.includes(from)) {
        assert.ok(canChangeWave(operation, from, to), `${operation}: ${from} -> ${to}`);
        assert.notEqual(to, from, `${operation} changes a ${from} wave`);
      } else {
        assert.equal(to, from, `${operation} leaves a ${from} wave alone`);
      }
      if (operation === 'approve' && from === 'awaiting_approval')
        assert.equal(rows[0]!.approvedBy, 'operator (key)', 'who approved is recorded');
    }
  }
});

test('a wave that does not require approval never waits for one', async () => {
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: ['pending'],
    waves: [{ state: 'pending', requiresApproval: false }],
  });
  assert.equal(await awaitApproval(deps.pool, seeded.id, 0), false);
});
