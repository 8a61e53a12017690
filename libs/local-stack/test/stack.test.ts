import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import pg from 'pg';
import { startStack, type Stack } from '../src/index.js';

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

async function mqttAnswers(
  url: string,
  credentials: { username: string; password: string },
): Promise<boolean> {
  const client = await mqtt.connectAsync(url, {
    reconnectPeriod: 0,
    connectTimeout: 3_000,
    protocolVersion: 5,
    ...credentials,
  });
  await client.endAsync();
  return true;
}

describe('startStack', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ label: 'stack' });
  });
  after(() => stack?.stop());

  it('runs every app as a healthy process and three edge brokers in two pools', async () => {
    assert.deepEqual([...stack.apps.keys()].sort(), ['api', 'bridge', 'router', 'tracker']);
    assert.ok(await healthy(`${stack.apiUrl}/healthz`));
    assert.ok(await healthy(`${stack.routerAdminUrl}/healthz`));
    assert.deepEqual(
      [...stack.brokers.values()].map((b) => `${b.poolId}/${b.id}`).sort(),
      ['pool-a/pool-a-1', 'pool-a/pool-a-2', 'pool-b/pool-b-1'],
    );
    const { tracker, bridge } = stack.brokerCredentials;
    for (const { broker } of stack.brokers.values())
      assert.ok(await mqttAnswers(broker.url, tracker));
    assert.ok(await mqttAnswers(stack.coreBroker.url, bridge));
    await assert.rejects(
      mqtt.connectAsync(stack.coreBroker.url, { reconnectPeriod: 0, protocolVersion: 5 }),
      { code: 0x87 },
      'no anonymous clients',
    );
  });

  it('registers the edge topology where the apps read it', async () => {
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; pool_id: string; url: string }>(
        'SELECT id, pool_id, url FROM edge_brokers ORDER BY id',
      );
      assert.deepEqual(
        rows.map((r) => [r.id, r.pool_id, r.url]),
        [...stack.brokers.values()].map((b) => [b.id, b.poolId, b.broker.url]).sort(),
      );
    } finally {
      await client.end();
    }
  });

  it('runs the bulk workers at a lower scheduling priority than the api and the router, every thread', () => {
    const pidOf = (name: string) => stack.apps.get(name as 'api')!.pid!;
    // Field 19 (nice) of /proc/<pid>/task/<tid>/stat, counted after the command's parenthesis.
    const threadNiceness = (pid: number) =>
      readdirSync(`/proc/${pid}/task`).map((tid) =>
        Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
      );
    for (const name of ['bridge', 'tracker']) {
      assert.equal(getPriority(pidOf(name)), 10, name);
      assert.deepEqual([...new Set(threadNiceness(pidOf(name)))], [10], `every ${name} thread`);
    }
    for (const name of ['api', 'router']) assert.equal(getPriority(pidOf(name)), 0, name);
  });

  it('kills an app with SIGKILL and starts it again', async () => {
    const tracker = stack.apps.get('tracker')!;
    const before = tracker.pid;
    await stack.kill('tracker');
    assert.equal(alive(before), false);
    await stack.restart('tracker');
    assert.notEqual(tracker.pid, before);
    assert.ok(tracker.running);
  });

  it('kills an edge broker and restarts it on the same address', async () => {
    const { broker } = stack.brokers.get('pool-b-1')!;
    const { tracker } = stack.brokerCredentials;
    await stack.kill('pool-b-1');
    await assert.rejects(mqttAnswers(broker.url, tracker));
    await stack.restart('pool-b-1');
    assert.ok(await mqttAnswers(broker.url, tracker));
  });

  it('stops every process it started', async () => {
    const pids = [...stack.apps.values()].map((a) => a.pid);
    await stack.stop();
    assert.deepEqual(pids.map(alive), [false, false, false, false]);
    for (const { broker } of stack.brokers.values())
      await assert.rejects(mqttAnswers(broker.url, stack.brokerCredentials.tracker));
  });
});
