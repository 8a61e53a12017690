import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { refreshCompletionEstimates } from '@roadcast/campaigns';
import type { CompletionEstimate } from '@roadcast/contracts';
import { startApiFixture, validUpdate, vehicles, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;
let pool: pg.Pool;

before(async () => {
  f = await startApiFixture('api-estimate');
  pool = new pg.Pool({ connectionString: f.database.url, max: 2 });
  await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: vehicles(10) },
  });
});

after(async () => {
  await pool.end();
  await f.close();
});

const estimate = async (id: string) => {
  const res = await f.call(f.keys.viewer, { method: 'GET', url: `/v1/campaigns/${id}/estimate` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as CompletionEstimate;
};

test('a campaign answers its predicted completion with how it was computed, or why not', async () => {
  const created = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'Estimated', update: validUpdate, target: { filter: {} } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = (created.json() as { id: string }).id;

  const fresh = await estimate(id);
  assert.equal(fresh.status, 'running');
  assert.equal(fresh.successAt, null);
  assert.match(fresh.reason!, /not estimated yet/);

  // An hour in: nobody answered yet at the first refresh; ten minutes later 6 of 10 installed.
  await pool.query(
    `UPDATE campaign_waves SET started_at = now() - interval '1 hour' WHERE campaign_id = $1`,
    [id],
  );
  await refreshCompletionEstimates(pool);
  const early = await estimate(id);
  assert.equal(early.method, 'reach-rate');
  assert.equal(early.completeAt, null);
  assert.match(early.reason!, /^wave 1: .*not been observed yet/);

  await pool.query(
    `UPDATE completion_estimates SET computed_at = computed_at - interval '10 minutes'
     WHERE campaign_id = $1`,
    [id],
  );
  await pool.query(
    `UPDATE deliveries SET state = 'installed' WHERE id IN (
       SELECT id FROM deliveries WHERE campaign_id = $1 ORDER BY id LIMIT 6)`,
    [id],
  );
  await refreshCompletionEstimates(pool);
  const computed = await estimate(id);
  assert.equal(computed.waves.length, 1);
  const [wave] = computed.waves;
  assert.equal(wave!.basis.installed, 6);
  assert.equal(wave!.basis.unreached, 4);
  assert.equal(wave!.basis.returns, 6);
  assert.ok(wave!.basis.reachRatePerHour! > 0);
  assert.ok(computed.completeAt !== null && Date.parse(computed.completeAt) > Date.now() - 5_000);
  assert.equal(computed.successAt, wave!.successAt);

  const paused = await f.call(f.keys.operator, {
    method: 'POST',
    url: `/v1/campaigns/${id}/pause`,
    payload: {},
  });
  assert.equal(paused.statusCode, 200, paused.body);
  const held = await estimate(id);
  assert.equal(held.successAt, null);
  assert.equal(held.completeAt, null);
  assert.match(held.reason!, /paused/);
  assert.equal(held.waves.length, 1, 'the last computation stays readable');
});

test('an unknown campaign is 404 and a malformed id 400', async () => {
  const unknown = await f.call(f.keys.viewer, {
    method: 'GET',
    url: '/v1/campaigns/00000000-0000-4000-8000-000000000000/estimate',
  });
  assert.equal(unknown.statusCode, 404);
  assert.equal((unknown.json() as { code: string }).code, 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND');
  const malformed = await f.call(f.keys.viewer, {
    method: 'GET',
    url: '/v1/campaigns/nope/estimate',
  });
  assert.equal(malformed.statusCode, 400);
});
