/**
 * The API's composition root, as main.ts and the local stack call it: it starts against real
 * Postgres and Redis (and an edge broker in its topology), answers ready, and close() releases
 * everything, so the process ends by itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import {
  createTestDatabase,
  startAndCloseInChild,
  startMosquitto,
  uniquePrefix,
} from '@roadcast/testing';

test('startApi answers ready, and close() leaves nothing that keeps the process alive', async (t) => {
  const database = await createTestDatabase({ label: 'api-root' });
  t.after(() => database.drop());
  const broker = await startMosquitto({ id: 'edge-api-root', persistence: false });
  t.after(() => broker.stop());
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`INSERT INTO edge_pools (id, name) VALUES ('pool-a', 'pool-a')`);
  await client.query(`INSERT INTO edge_brokers (id, pool_id, url) VALUES ($1, 'pool-a', $2)`, [
    broker.id,
    broker.url,
  ]);
  await client.end();

  const outcome = await startAndCloseInChild({
    module: 'apps/api/src/start-api.ts',
    exportName: 'startApi',
    settings: 'ApiSettings',
    env: {
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      REDIS_PREFIX: uniquePrefix('api-root'),
      API_PORT: '0',
    },
  });
  assert.equal(outcome.ready, true, outcome.output);
  assert.equal(outcome.exitedByItself, true, outcome.output);
  assert.equal(outcome.exitCode, 0, outcome.output);
});
