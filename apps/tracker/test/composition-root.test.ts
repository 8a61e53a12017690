/**
 * The tracker's composition root, as main.ts and the local stack call it: it starts against
 * real Postgres, Redis and an edge broker, answers ready once it consumes the broker, and
 * close() releases everything, so the process ends by itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  platformPasswordFile,
  startAndCloseInChild,
  startOneBrokerWorld,
  uniquePrefix,
} from '@roadcast/testing';

test('startTracker answers ready, and close() leaves nothing that keeps the process alive', async (t) => {
  const world = await startOneBrokerWorld('tracker-root');
  t.after(() => world.close());
  const { database } = world;

  const outcome = await startAndCloseInChild({
    module: 'apps/tracker/src/tracker.ts',
    exportName: 'startTracker',
    settings: 'TrackerSettings',
    env: {
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      REDIS_PREFIX: uniquePrefix('tracker-root'),
      TRACKER_INSTANCE_ID: uniquePrefix('root'),
      TRACKER_ADMIN_PORT: '0',
      TRACKER_EDGE_PASSWORD_FILE: platformPasswordFile('tracker'),
    },
  });
  assert.equal(outcome.ready, true, outcome.output);
  assert.equal(outcome.exitedByItself, true, outcome.output);
  assert.equal(outcome.exitCode, 0, outcome.output);
});
