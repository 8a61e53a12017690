import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import pg from 'pg';
import {
  createTestDatabase,
  freePort,
  getTestPki,
  platformPasswordFile,
  startMosquitto,
  uniquePrefix,
} from '@roadcast/testing';
import { connectVehicle } from './support/vehicle.js';

const workspace = resolve(import.meta.dirname, '../../..');

describe('router process', () => {
  it('starts from its settings, relays a vehicle, and stops cleanly on SIGTERM', async (t) => {
    const database = await createTestDatabase({ label: 'router-main' });
    t.after(() => database.drop());
    const broker = await startMosquitto({ id: 'edge-main', persistence: false });
    t.after(() => broker.stop());
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`INSERT INTO edge_pools (id, name) VALUES ('pool-a', 'pool-a')`);
    await client.query(`INSERT INTO edge_brokers (id, pool_id, url) VALUES ($1, 'pool-a', $2)`, [
      broker.id,
      broker.url,
    ]);
    await client.end();
    const prefix = uniquePrefix('router-main');
    const redis = new Redis('redis://127.0.0.1:6379');
    t.after(async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    const pki = getTestPki();
    const [tlsPort, adminPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/router/src/main.ts'], {
      cwd: workspace,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'warn',
        DATABASE_URL: database.url,
        REDIS_PREFIX: prefix,
        ROUTER_ID: 'router-main-test',
        // Long enough that only the change announcement can apply a new policy in this test.
        ROUTER_POLICY_POLL_MS: '600000',
        ROUTER_TLS_PORT: String(tlsPort),
        ROUTER_ADMIN_PORT: String(adminPort),
        TLS_CA_FILE: pki.caFile,
        TLS_CERT_FILE: pki.routerCertFile,
        TLS_KEY_FILE: pki.routerKeyFile,
        TLS_CRL_FILE: pki.crlFile,
        ROUTER_BROKER_PASSWORD_FILE: platformPasswordFile('router'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });

    const deadline = Date.now() + 30_000;
    let ready = false;
    while (!ready && Date.now() < deadline && child.exitCode === null) {
      ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 150));
    }
    assert.ok(ready, `router did not become ready:\n${output}`);

    const vehicleId = 'WVWZZZ1JZXW000701';
    const messages: string[] = [];
    const vehicle = await connectVehicle(tlsPort, pki.vehicle(vehicleId), {}, (_t, p) =>
      messages.push(p.toString()),
    );
    await vehicle.subscribeAsync(`vehicles/${vehicleId}/ota/notices`, { qos: 1 });
    const backend = await mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      ...broker.credentials('bridge'),
    });
    await backend.publishAsync(`vehicles/${vehicleId}/ota/notices`, 'hello', { qos: 1 });
    await backend.endAsync();
    for (let i = 0; i < 100 && messages.length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(messages, ['hello']);
    // Presence is written beside the relay, not before it.
    const presenceKey = `${prefix}:presence:${vehicleId}`;
    for (let i = 0; i < 250 && !(await redis.exists(presenceKey)); i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(await redis.hget(presenceKey, 'routerId'), 'router-main-test');

    const metrics = await fetch(`http://127.0.0.1:${adminPort}/metrics`).then((r) => r.text());
    assert.match(metrics, /roadcast_router_sessions_total\{service="router"\} 1/);

    // A policy stored and announced as the API does is in force at once.
    const store = new pg.Client({ connectionString: database.url });
    await store.connect();
    const { rows } = await store.query<{ version: number }>(
      `INSERT INTO router_policies (document, created_by) VALUES ('{"protocol":{"maxPacketSize":4096}}', 'test') RETURNING version`,
    );
    await store.end();
    await redis.publish(`${prefix}:policy-changed`, String(rows[0]!.version));
    let applied = '';
    for (
      let i = 0;
      i < 50 &&
      !applied.includes(`roadcast_router_policy_version{service="router"} ${rows[0]!.version}`);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
      applied = await fetch(`http://127.0.0.1:${adminPort}/metrics`).then((r) => r.text());
    }
    assert.match(
      applied,
      new RegExp(`roadcast_router_policy_version\\{service="router"\\} ${rows[0]!.version}`),
    );

    const closed = new Promise<void>((r) => vehicle.once('close', () => r()));
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, output);
    await closed;
    vehicle.end(true);
    // Presence is cleared on the way out, so the bridge stops publishing to this router's vehicles.
    assert.equal(await redis.exists(`${prefix}:presence:${vehicleId}`), 0);
    const events = await redis.xrange(`${prefix}:presence-events`, '-', '+');
    assert.deepEqual(
      events.map(([, f]) => f[1]),
      ['connect', 'disconnect'],
    );
  });
});
