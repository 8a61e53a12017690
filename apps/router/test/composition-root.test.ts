/**
 * The router's composition root, as main.ts and the local stack call it: it starts against
 * real Postgres, Redis and an edge broker, answers ready, and close() releases everything,
 * so the process ends by itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  freePort,
  getTestPki,
  platformPasswordFile,
  startAndCloseInChild,
  startOneBrokerWorld,
  uniquePrefix,
} from '@roadcast/testing';

test('startRouter answers ready, and close() leaves nothing that keeps the process alive', async (t) => {
  const world = await startOneBrokerWorld('router-root');
  t.after(() => world.close());
  const { database } = world;
  const pki = getTestPki();

  const outcome = await startAndCloseInChild({
    module: 'apps/router/src/start-router.ts',
    exportName: 'startRouter',
    settings: 'RouterSettings',
    env: {
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      REDIS_PREFIX: uniquePrefix('router-root'),
      ROUTER_ID: 'router-root-test',
      ROUTER_TLS_PORT: String(await freePort()),
      ROUTER_ADMIN_PORT: '0',
      TLS_CA_FILE: pki.caFile,
      TLS_CERT_FILE: pki.routerCertFile,
      TLS_KEY_FILE: pki.routerKeyFile,
      TLS_CRL_FILE: pki.crlFile,
      ROUTER_BROKER_PASSWORD_FILE: platformPasswordFile('router'),
      SHUTDOWN_GRACE_MS: '4000',
    },
  });
  assert.equal(outcome.ready, true, outcome.output);
  assert.equal(outcome.exitedByItself, true, outcome.output);
  assert.equal(outcome.exitCode, 0, outcome.output);
});
