import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '@roadcast/db';
import { createCampaign, materializeCampaign, type PipelineDeps } from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';

// A streamed campaign brings the planner's row count of deliveries up to date when the
// statistics were taken on an (almost) empty table, and leaves current statistics alone.

let fixture: CampaignsFixture;
let db: Db;
let deps: PipelineDeps;

before(async () => {
  fixture = await startCampaignsFixture(
    'statistics',
    `INSERT INTO vehicles (id, model, region, software_version, tags)
     SELECT 'SS' || lpad(g::text, 6, '0'), 'sedan', 'eu', '1.0.0', ARRAY[]::text[]
     FROM generate_series(1, 1200) g`,
    {
      fanoutBatchSize: 100,
      materialization: { inlineLimit: 5, chunkSizes: [100, 200], analyzeAfterRows: 150 },
    },
  );
  ({ db, deps } = fixture);
});

after(async () => {
  await fixture.close();
});

const update = {
  id: 'gateway',
  version: '3.2.0',
  url: 'https://updates.example.com/gateway/3.2.0.bin',
  sha256: 'e'.repeat(64),
  size: 2048,
};

async function plannedRows(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'deliveries'::regclass`,
  );
  return rows[0]!.n;
}

async function analyzeCount(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE relname = 'deliveries'`,
  );
  return rows[0]!.n;
}

async function streamCampaign(name: string): Promise<number> {
  const { campaign } = await createCampaign(
    deps,
    { name, update, target: { filter: { model: 'sedan' } } },
    { createdBy: 'tester' },
  );
  const result = await materializeCampaign(deps, campaign.id);
  assert.equal(result.done, true);
  return result.written;
}

test('statistics taken on an empty table are brought up to date while a campaign streams', async () => {
  await db.pool.query('ANALYZE deliveries');
  assert.equal(await plannedRows(), 0, 'the planner starts out seeing an empty table');

  const written = await streamCampaign('first');

  assert.equal(written, 1200);
  const planned = await plannedRows();
  // Chunks of 100, then 200: checked at 300 rows written (the first chunk end past 150) and at
  // 700 (past twice 300), each time analyzed as the planner saw fewer.
  assert.ok(planned >= 600, `the planner sees ${planned} rows, at least 600 expected`);
});

test('current statistics are left alone', async () => {
  await db.pool.query('ANALYZE deliveries');
  const before = await analyzeCount();
  assert.ok((await plannedRows()) >= 1200);

  await streamCampaign('second');

  // The planner already saw at least as many rows as each check asked for: no ANALYZE.
  assert.equal(await analyzeCount(), before);
});
