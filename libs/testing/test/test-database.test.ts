import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../src/index.js';

const ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const migrations = readdirSync(join(import.meta.dirname, '../../../prisma/migrations'), {
  withFileTypes: true,
})
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const created: TestDatabase[] = [];
after(() => Promise.all(created.map((db) => db.drop())));

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('gives a database with every committed migration applied', async () => {
    const db = await createTestDatabase('migrated');
    created.push(db);
    const applied = await query<{ migration_name: string }>(
      db.url,
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
    );
    assert.deepEqual(
      applied.map((r) => r.migration_name),
      migrations,
    );
    const [deliveries] = await query<{ n: number }>(
      db.url,
      'SELECT count(*)::int AS n FROM deliveries',
    );
    assert.equal(deliveries?.n, 0);
  });

  it('gives each caller its own database', async () => {
    const [a, b] = await Promise.all([
      createTestDatabase(),
      createTestDatabase({ label: 'second' }),
    ]);
    created.push(a, b);
    assert.notEqual(a.url, b.url);
    await query(a.url, 'CREATE TABLE only_in_a (id int)');
    const [found] = await query<{ t: string | null }>(
      b.url,
      "SELECT to_regclass('only_in_a')::text AS t",
    );
    assert.equal(found?.t, null);
  });

  it('drops the database even with connections open, and tolerates a second drop', async () => {
    const db = await createTestDatabase('dropped');
    const open = new pg.Client({ connectionString: db.url });
    open.on('error', () => undefined);
    await open.connect();
    await db.drop();
    await db.drop();
    await open.end().catch(() => undefined);
    const rows = await query(ADMIN_URL, 'SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
    assert.equal(rows.length, 0);
  });
});
