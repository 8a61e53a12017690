/**
 * The API's composition root, as main.ts and the local stack call it: it starts against real
 * Postgres and Redis (and an edge broker in its topology), answers ready, and close() releases
 * everything, so the process ends by itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAndCloseInChild, startOneBrokerWorld, uniquePrefix } from '@roadcast/testing';

test('startApi answers ready, and close() leaves nothing that keeps the process alive', async (t) => {
  const world = await startOneBrokerWorld('api-root');
  t.after(() => world.close());
  const { database } = world;

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
