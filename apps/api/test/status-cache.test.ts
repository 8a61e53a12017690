import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { StatusCache } from '../src/services/status-cache.js';

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
