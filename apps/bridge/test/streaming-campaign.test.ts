import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCampaign } from '@roadcast/campaigns';
import {
  registerVehicles,
  startBridgeFixture,
  testUpdate,
  waitForCampaign,
  type BridgeFixture,
} from './bridge-fixture.js';

let f: BridgeFixture;
const materialization = { inlineLimit: 100, chunkSizes: [150, 400] };

before(async () => {
  f = await startBridgeFixture('streaming', { materialization });
  f.pipeline.materialization = materialization;
});

after(async () => {
  await f.close();
});

test('a target above the inline limit is answered empty, then written by the bridge in chunks and fanned out', async () => {
  await registerVehicles(f, 'SM', 2_000);
  const { campaign } = await createCampaign(
    f.pipeline,
    { name: 'Streamed', update: testUpdate, target: { filter: { tags: ['SM'] } } },
    { createdBy: 'test' },
  );
  assert.equal(campaign.total, 0);
  assert.equal(campaign.materialization.state, 'materializing');
  const done = await waitForCampaign(
    f,
    campaign.id,
    (c) => c.materialization.state === 'done' && c.counts.pending === 0,
  );
  assert.deepEqual(done.materialization, { state: 'done', target: 2_000, written: 2_000 });
  assert.equal(done.counts.parked, 2_000);
  const { rows } = await f.db.pool.query<{ publishes: number; n: number }>(
    'SELECT publishes, count(*)::int AS n FROM deliveries WHERE campaign_id = $1 GROUP BY publishes',
    [campaign.id],
  );
  assert.deepEqual(rows, [{ publishes: 1, n: 2_000 }], 'every notice published exactly once');
});
