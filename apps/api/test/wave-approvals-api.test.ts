import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { awaitApproval, finishWave } from '@roadcast/campaigns';
import { startApiFixture, validUpdate, vehicles, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;
const MISSING = '00000000-0000-4000-8000-000000000000';

before(async () => {
  f = await startApiFixture('api-approvals');
  const res = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: vehicles(20, 'approvals') },
  });
  assert.equal(res.statusCode, 200, res.body);
});

after(async () => {
  await f.close();
});

const approve = (id: string, wave: number | string, body?: unknown, key = f.keys.operator) =>
  f.call(key, {
    method: 'POST',
    url: `/v1/campaigns/${id}/waves/${wave}/approve`,
    ...(body === undefined ? {} : { payload: body as object }),
  });

async function createGated(name: string, waves: object[]) {
  const res = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: {
      name,
      update: validUpdate,
      target: { filter: { tags: ['approvals'] } },
      rollout: { waves },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

test('a first wave that requires approval waits for it, and the approval starts it and is audited', async () => {
  const created = await createGated('Gate first', [
    { percent: 50, requiresApproval: true },
    { percent: 100 },
  ]);
  assert.equal(created.status, 'running');
  assert.equal(created.waves[0].state, 'awaiting_approval');
  assert.equal(created.awaitingApproval, 0, 'the campaign answer names the waiting wave');
  assert.equal(created.notReached, 20, 'nothing was told: every delivery is silent');
  assert.equal(created.reached, 0);

  assert.equal((await approve(created.id, 0, {}, f.keys.viewer)).statusCode, 403);
  const res = await approve(created.id, 0, { comment: 'bench results look fine' });
  assert.equal(res.statusCode, 200, res.body);
  const approved = res.json();
  assert.equal(approved.awaitingApproval, null);
  assert.equal(approved.waves[0].state, 'running');
  assert.match(approved.waves[0].approvedBy, /operator/);
  assert.ok(approved.waves[0].approvedAt);
  assert.ok(approved.waves[0].startedAt);
  assert.equal(approved.waves[1].state, 'pending');

  const again = await approve(created.id, 0);
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().code, 'ROADCAST_ERR_WAVE_STATE');

  const { rows } = await f.app.deps.db.pool.query(
    `SELECT actor, details FROM audit_log WHERE target_id = $1 AND action = 'campaign.wave.approve'`,
    [created.id],
  );
  assert.equal(rows.length, 1, 'one audited approval');
  assert.deepEqual(rows[0].details, { wave: 0, comment: 'bench results look fine' });
});

test('a later wave is approved once the rollout holds it; bad input is refused with a code', async () => {
  const created = await createGated('Gate second', [
    { percent: 50 },
    { percent: 100, requiresApproval: true },
  ]);
  assert.equal(created.waves[0].state, 'running');
  assert.equal(created.awaitingApproval, null);
  const pending = await approve(created.id, 1);
  assert.equal(pending.statusCode, 409, 'a wave the rollout has not reached is not awaiting');
  assert.equal(pending.json().code, 'ROADCAST_ERR_WAVE_STATE');

  const pool = f.app.deps.db.pool;
  await finishWave(pool, created.id, 0);
  assert.equal(await awaitApproval(pool, created.id, 1), true);
  const held = await f.call(f.keys.viewer, { method: 'GET', url: `/v1/campaigns/${created.id}` });
  assert.equal(held.json().awaitingApproval, 1);

  for (const [wave, body] of [
    ['x', {}],
    [-1, {}],
    [20, {}],
    [1, { comment: '' }],
    [1, { comment: 'x'.repeat(501) }],
    [1, { approve: true }],
  ] as const) {
    const res = await approve(created.id, wave, body);
    assert.equal(res.statusCode, 400, `${wave} ${JSON.stringify(body)}`);
    assert.equal(res.json().code, 'ROADCAST_ERR_VALIDATION');
  }
  const badId = await approve('not-a-uuid', 1);
  assert.equal(badId.statusCode, 400);

  const unknownWave = await approve(created.id, 5);
  assert.equal(unknownWave.statusCode, 404);
  assert.equal(unknownWave.json().code, 'ROADCAST_ERR_WAVE_NOT_FOUND');
  const unknownCampaign = await approve(MISSING, 1);
  assert.equal(unknownCampaign.statusCode, 404);
  assert.equal(unknownCampaign.json().code, 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND');

  await f.call(f.keys.operator, { method: 'POST', url: `/v1/campaigns/${created.id}/pause` });
  const paused = await approve(created.id, 1);
  assert.equal(paused.statusCode, 409, 'a paused campaign is resumed before its wave is approved');
  assert.equal(paused.json().code, 'ROADCAST_ERR_CAMPAIGN_STATE');
  await f.call(f.keys.operator, { method: 'POST', url: `/v1/campaigns/${created.id}/resume` });

  const res = await approve(created.id, 1);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().waves[1].state, 'running');
  assert.equal(res.json().currentWave, 1);
  const { rows } = await pool.query(
    `SELECT details FROM audit_log WHERE target_id = $1 AND action = 'campaign.wave.approve'`,
    [created.id],
  );
  assert.deepEqual(
    rows.map((r) => r.details),
    [{ wave: 1 }],
    'refusals are not audited as approvals',
  );
});

test('wave and campaign answers count reached and silent deliveries', async () => {
  const created = await createGated('Reach', [{ percent: 100 }]);
  const pool = f.app.deps.db.pool;
  await pool.query(
    `UPDATE deliveries d SET state = v.state::delivery_state
     FROM (SELECT id, (ARRAY['parked','published','received','installing','installed','failed','timed_out','rejected'])[1 + (row_number() OVER (ORDER BY id) - 1)::int % 8] AS state
           FROM deliveries WHERE campaign_id = $1 ORDER BY id LIMIT 16) v
     WHERE d.id = v.id`,
    [created.id],
  );
  const got = await f.call(f.keys.viewer, { method: 'GET', url: `/v1/campaigns/${created.id}` });
  const c = got.json();
  // 16 deliveries spread over 8 states (2 each), 4 still pending.
  assert.equal(c.reached, 12, 'received, installing, installed, failed, timed_out, rejected');
  assert.equal(c.notReached, 8, 'parked, published and the 4 pending');
  assert.equal(c.waves[0].reached, 12);
  assert.equal(c.waves[0].notReached, 8);
  const list = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns?limit=50' });
  const listed = list.json().items.find((i: { id: string }) => i.id === created.id);
  assert.equal(listed.reached, 12);
  assert.equal(listed.notReached, 8);
});

test('the approve route is in the OpenAPI document with its answers', async () => {
  const doc = await f.call(undefined, { method: 'GET', url: '/docs/json' });
  const route = doc.json().paths['/v1/campaigns/{id}/waves/{index}/approve'];
  assert.ok(route?.post, 'OpenAPI lists the approve route');
  assert.deepEqual(Object.keys(route.post.responses).sort(), [
    '200',
    '400',
    '401',
    '403',
    '404',
    '409',
    '429',
    '500',
    '503',
  ]);
  assert.ok(JSON.stringify(doc.json()).includes('notReached'), 'the silent bucket is documented');
});
