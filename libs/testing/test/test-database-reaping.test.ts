import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../src/index.js';

const ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const created: TestDatabase[] = [];
after(() => Promise.all(created.map((db) => db.drop())));

async function admin<T extends pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

// Its own file: reaping happens on a process's first createTestDatabase call.
describe('createTestDatabase reaping', () => {
  it('drops test databases left by processes that no longer exist, and keeps live ones', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const orphan = `roadcast_test_orphan_p${deadPid}_0badf00d`;
    const alive = `roadcast_test_alive_p${process.pid}_0badf00d`;
    await admin(`CREATE DATABASE "${orphan}"`);
    await admin(`CREATE DATABASE "${alive}"`);
    try {
      created.push(await createTestDatabase('reaper'));
      const names = (
        await admin<{ datname: string }>(
          'SELECT datname FROM pg_database WHERE datname = ANY($1)',
          [[orphan, alive]],
        )
      ).map((r) => r.datname);
      assert.deepEqual(names, [alive]);
    } finally {
      await admin(`DROP DATABASE IF EXISTS "${orphan}"`);
      await admin(`DROP DATABASE IF EXISTS "${alive}"`);
    }
  });
});
