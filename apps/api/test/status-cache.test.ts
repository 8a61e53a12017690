import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { StatusCache } from '../src/services/status-cache.js';

/** A load that counts its calls and answers with the count once `release` is called. */
function gatedLoad() {
  let loads = 0;
  const gates: Array<() => void> = [];
  return {
    get loads() {
      return loads;
    },
    load: () => {
      loads += 1;
      const n = loads;
      return new Promise<number>((resolve) => gates.push(() => resolve(n)));
    },
    fail: () => {
      loads += 1;
      return Promise.reject(new Error('database away'));
    },
    release: async () => {
      for (const gate of gates.splice(0)) gate();
      await sleep(0);
    },
  };
}

/**
 * A cache holding answer 1 for key `a`, read by a gated load, once that answer has expired:
 * `expiredMs` after it arrived.
 */
async function withExpiredAnswer(ttlMs: number, maxStaleMs: number, expiredMs: number) {
  const cache = new StatusCache<number>(ttlMs, { maxStaleMs });
  const g = gatedLoad();
  const first = cache.get('a', g.load);
  await g.release();
  assert.equal(await first, 1);
  await sleep(expiredMs);
  return { cache, g };
}

test('concurrent and repeated reads within the ttl share one load; later reads load again', async () => {
  const cache = new StatusCache<number>(100);
  let loads = 0;
  const load = async () => {
    loads += 1;
    await sleep(10);
    return loads;
  };
  const first = await Promise.all([
    cache.get('a', load),
    cache.get('a', load),
    cache.get('a', load),
  ]);
  assert.deepEqual(first, [1, 1, 1]);
  assert.equal(await cache.get('a', load), 1);
  assert.equal(await cache.get('b', load), 2, 'keys are separate');
  await sleep(120);
  assert.equal(await cache.get('a', load), 3, 'an expired entry loads again');
  cache.delete('a');
  assert.equal(await cache.get('a', load), 4, 'a deleted entry loads again');
});

test('a failed load is not remembered', async () => {
  const cache = new StatusCache<string>(1_000);
  await assert.rejects(cache.get('k', () => Promise.reject(new Error('down'))));
  await sleep(0);
  assert.equal(await cache.get('k', async () => 'up'), 'up');
});

test('serves the previous answer at once while one refresh is on its way', async () => {
  const { cache, g } = await withExpiredAnswer(20, 10_000, 30);
  // Expired: every reader gets answer 1 without waiting, and only one new read starts.
  assert.deepEqual(await Promise.all([cache.get('a', g.load), cache.get('a', g.load)]), [1, 1]);
  assert.equal(g.loads, 2, 'one refresh for all readers');
  await g.release();
  assert.equal(await cache.get('a', g.load), 2, 'the refreshed answer replaces the old one');
});

test('waits for a fresh read once the previous answer is older than the stale limit', async () => {
  const { cache, g } = await withExpiredAnswer(10, 40, 60);
  let settled = false;
  const second = cache.get('a', g.load).then((v) => {
    settled = true;
    return v;
  });
  await sleep(5);
  assert.equal(settled, false, 'a reader does not get an answer older than the limit');
  await g.release();
  assert.equal(await second, 2);
});

test('a failed refresh keeps the previous answer and tries again on the next read', async () => {
  const { cache, g } = await withExpiredAnswer(10, 10_000, 20);
  assert.equal(await cache.get('a', g.fail), 1);
  await sleep(0);
  assert.equal(await cache.get('a', g.load), 1, 'still served after the failed refresh');
  assert.equal(g.loads, 3, 'the next read started another refresh');
  await g.release();
  assert.equal(await cache.get('a', g.load), 3);
});

test('a refresh that began before a change through this process is not kept', async () => {
  const { cache, g } = await withExpiredAnswer(10, 10_000, 20);
  assert.equal(await cache.get('a', g.load), 1, 'refresh 2 starts');
  cache.delete('a');
  const afterChange = cache.get('a', g.load);
  await g.release();
  assert.equal(await afterChange, 3, 'the reader after the change waits for its own read');
  assert.equal(await cache.get('a', g.load), 3, 'refresh 2, older than the change, was dropped');
});
