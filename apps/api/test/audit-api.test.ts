import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { auditPageSql } from '../src/services/audit-log.js';
import { startApiFixture, validUpdate, vehicles, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;
let pool: pg.Pool;
let campaignId: string;
let operatorKeyId: string;

interface Entry {
  id: string;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  requestId: string | null;
}
interface Page {
  items: Entry[];
  nextCursor: string | null;
}

const audit = async (query: string, key = f.keys.admin) =>
  f.call(key, { method: 'GET', url: `/v1/audit${query}` });
const page = async (query: string): Promise<Page> => {
  const res = await audit(query);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Page;
};

before(async () => {
  f = await startApiFixture('api-audit');
  pool = new pg.Pool({ connectionString: f.database.url, max: 2 });
  const registered = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: vehicles(6) },
  });
  assert.equal(registered.statusCode, 200, registered.body);
  const created = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'Audited', update: validUpdate, target: { filter: {} } },
  });
  assert.equal(created.statusCode, 201, created.body);
  campaignId = (created.json() as { id: string }).id;
  for (const action of ['pause', 'resume', 'cancel']) {
    const res = await f.call(f.keys.operator, {
      method: 'POST',
      url: `/v1/campaigns/${campaignId}/${action}`,
      payload: {},
    });
    assert.equal(res.statusCode, 200, res.body);
  }
  const keys = await f.call(f.keys.admin, { method: 'GET', url: '/v1/api-keys' });
  operatorKeyId = (keys.json() as { items: Array<{ id: string; name: string }> }).items.find(
    (k) => k.name === 'operator-key',
  )!.id;
});

after(async () => {
  await pool.end();
  await f.close();
});

test('only admins read the audit log', async () => {
  assert.equal((await audit('', f.keys.operator)).statusCode, 403);
  assert.equal((await audit('', f.keys.viewer)).statusCode, 403);
  assert.equal((await f.call(undefined, { method: 'GET', url: '/v1/audit' })).statusCode, 401);
});

test('a resource filter lists what was done to one campaign, newest first, with who and the request', async () => {
  const { items, nextCursor } = await page(`?resourceType=campaign&resourceId=${campaignId}`);
  assert.deepEqual(
    items.map((e) => e.action),
    ['campaign.cancel', 'campaign.resume', 'campaign.pause', 'campaign.create'],
  );
  assert.equal(nextCursor, null);
  for (const e of items) {
    assert.equal(e.actor, `operator-key (${operatorKeyId})`);
    assert.equal(e.targetType, 'campaign');
    assert.ok(e.requestId);
  }
  const times = items.map((e) => Date.parse(e.at));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
  );
});

test('actor by key id or by name, and action, narrow the list', async () => {
  const byId = await page(`?actor=${operatorKeyId}`);
  const byName = await page('?actor=operator-key');
  assert.deepEqual(byName.items, byId.items);
  assert.ok(byId.items.length >= 5);
  assert.ok(byId.items.every((e) => e.actor.endsWith(`(${operatorKeyId})`)));
  const admin = await page('?action=api-key.create');
  assert.equal(admin.items.length, 2, 'the fixture created two keys');
  assert.ok(admin.items.every((e) => e.actor !== byId.items[0]!.actor));
  assert.deepEqual((await page('?actor=nobody-by-that-name')).items, []);
  assert.deepEqual(
    (await page('?action=campaign.pause&resourceType=campaign')).items.map((e) => e.targetId),
    [campaignId],
  );
});

test('pages follow each other through the cursor without gaps or repeats', async () => {
  const all = await page('?limit=200');
  assert.ok(all.items.length >= 7, 'two keys, the vehicles, a campaign and its four changes');
  const walked: Entry[] = [];
  let cursor: string | null = '';
  for (let pages = 0; cursor !== null; pages += 1) {
    assert.ok(pages <= all.items.length, 'the pages end');
    const next: Page = await page(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.ok(next.items.length <= 3);
    walked.push(...next.items);
    cursor = next.nextCursor;
  }
  assert.deepEqual(walked, all.items);
});

test('from and to select a time range: from inclusive, to exclusive', async () => {
  const all = (await page('?limit=200')).items;
  const middle = all[Math.floor(all.length / 2)]!;
  const from = await page(`?limit=200&from=${middle.at}`);
  assert.ok(from.items.every((e) => Date.parse(e.at) >= Date.parse(middle.at)));
  assert.ok(from.items.some((e) => e.id === middle.id));
  const to = await page(`?limit=200&to=${middle.at}`);
  assert.ok(to.items.every((e) => Date.parse(e.at) < Date.parse(middle.at)));
  assert.equal(from.items.length + to.items.length, all.length);
});

test('bad filters are refused with a coded 400', async () => {
  const refused = async (query: string, code: string) => {
    const res = await audit(query);
    assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
    assert.equal((res.json() as { code: string }).code, code, query);
  };
  await refused('?resourceId=abc', 'ROADCAST_ERR_VALIDATION');
  await refused('?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'ROADCAST_ERR_VALIDATION');
  await refused('?from=yesterday', 'ROADCAST_ERR_VALIDATION');
  await refused('?limit=1000', 'ROADCAST_ERR_VALIDATION');
  await refused('?limit=0', 'ROADCAST_ERR_VALIDATION');
  await refused('?action=DROP%20TABLE', 'ROADCAST_ERR_VALIDATION');
  await refused('?colour=blue', 'ROADCAST_ERR_VALIDATION');
  await refused('?cursor=garbage', 'ROADCAST_ERR_INVALID_CURSOR');
  const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', '1; DROP'])).toString(
    'base64url',
  );
  await refused(`?cursor=${forged}`, 'ROADCAST_ERR_INVALID_CURSOR');
});

test('every filter is answered from an index that also gives the order', async () => {
  const cursor: [string, string] = ['2026-11-29T12:00:00.000Z', '100'];
  const plans = {
    audit_log_actor_at_id_idx: auditPageSql({}, ['operator-key (x)'], cursor, 51),
    audit_log_action_at_id_idx: auditPageSql({ action: 'campaign.cancel' }, undefined, cursor, 51),
    audit_log_at_idx: auditPageSql({ from: '2026-11-01T00:00:00Z' }, undefined, cursor, 51),
    audit_log_target_type_target_id_idx: auditPageSql(
      { resourceType: 'campaign', resourceId: campaignId },
      undefined,
      undefined,
      51,
    ),
  };
  const client = await pool.connect();
  try {
    // The test table is tiny; forbid a sequential scan so the planner shows the index it would use.
    await client.query('SET enable_seqscan = off');
    for (const [index, sql] of Object.entries(plans)) {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>({
        text: `EXPLAIN ${sql.text}`,
        values: sql.values,
      });
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.match(plan, new RegExp(`Index Scan (using|on) ${index}`), plan);
      if (index !== 'audit_log_target_type_target_id_idx' && index !== 'audit_log_at_idx')
        assert.doesNotMatch(plan, /Sort/, `${index} yields the order itself:\n${plan}`);
    }
  } finally {
    client.release();
  }
});
