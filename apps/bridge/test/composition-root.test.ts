/**
 * The bridge's composition root, as main.ts and the local stack call it: it starts against
 * real Postgres, Redis and an edge broker, answers ready, and close() releases everything, so
 * the process ends by itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSigningKeyFiles } from '@roadcast/signing';
import {
  platformPasswordFile,
  startAndCloseInChild,
  startOneBrokerWorld,
  uniquePrefix,
} from '@roadcast/testing';

test('startBridge answers ready, and close() leaves nothing that keeps the process alive', async (t) => {
  const world = await startOneBrokerWorld('bridge-root');
  t.after(() => world.close());
  const { database } = world;
  const keys = await mkdtemp(join(tmpdir(), 'roadcast-bridge-root-'));
  t.after(() => rm(keys, { recursive: true, force: true }));
  await writeSigningKeyFiles(keys, 'root-test');

  const outcome = await startAndCloseInChild({
    module: 'apps/bridge/src/bridge-service.ts',
    exportName: 'startBridge',
    settings: 'BridgeSettings',
    env: {
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      REDIS_PREFIX: uniquePrefix('bridge-root'),
      BRIDGE_ADMIN_PORT: '0',
      SIGNING_KEY_ID: 'root-test',
      SIGNING_KEY_FILE: join(keys, 'root-test.key'),
      BRIDGE_EDGE_PASSWORD_FILE: platformPasswordFile('bridge'),
    },
  });
  assert.equal(outcome.ready, true, outcome.output);
  assert.equal(outcome.exitedByItself, true, outcome.output);
  assert.equal(outcome.exitCode, 0, outcome.output);
});
