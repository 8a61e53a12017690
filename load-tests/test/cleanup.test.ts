import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { uniquePrefix } from '@roadcast/testing';
import { closeOpenScopes, openScopeCount, withCleanup } from '../src/runner/cleanup.js';
import { REDIS_URL } from '../src/runner/process-sources.js';
import { deleteRedisKeys, scenarioRedisPrefix } from '../src/runner/redis-keys.js';

async function keysUnder(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

describe('scenario clean-up', () => {
  it('deletes every key under a prefix, and only those', async () => {
    const redis = new Redis(REDIS_URL);
    const prefix = uniquePrefix('bench-cleanup');
    try {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 2_500; i += 1) pipeline.set(`${prefix}:k:${i}`, 'x');
      pipeline.xadd(`${prefix}:events`, '*', 'type', 'x');
      pipeline.set(`${prefix}-neighbour:k`, 'x');
      await pipeline.exec();
      assert.equal(await deleteRedisKeys(prefix), 2_501);
      assert.equal(await keysUnder(redis, `${prefix}:`), 0);
      assert.equal(await redis.get(`${prefix}-neighbour:k`), 'x');
    } finally {
      await redis.del(`${prefix}-neighbour:k`);
      redis.disconnect();
    }
  });

  it('refuses a prefix that could match other keys', async () => {
    await assert.rejects(deleteRedisKeys(''), /refusing/);
    await assert.rejects(deleteRedisKeys('t*'), /refusing/);
  });

  it('undoes in reverse order when the scenario fails, and still reports the failure', async () => {
    const redis = new Redis(REDIS_URL);
    const undone: string[] = [];
    let prefix = '';
    try {
      await assert.rejects(
        withCleanup('failing scenario', async (scope) => {
          prefix = scenarioRedisPrefix(scope, 'bench-cleanup');
          scope.defer('first', () => undone.push('first'));
          scope.defer('second', () => undone.push('second'));
          await redis.set(`${prefix}:left-behind`, 'x');
          throw new Error('broker went away');
        }),
        /broker went away/,
      );
      assert.deepEqual(undone, ['second', 'first']);
      assert.equal(await keysUnder(redis, `${prefix}:`), 0);
    } finally {
      redis.disconnect();
    }
  });

  it('undoes what an interrupted scenario had started', async () => {
    const redis = new Redis(REDIS_URL);
    let prefix = '';
    let release: () => void = () => undefined;
    const before = openScopeCount();
    try {
      const running = withCleanup('interrupted scenario', async (scope) => {
        prefix = scenarioRedisPrefix(scope, 'bench-cleanup');
        await redis.set(`${prefix}:queue`, 'x');
        await new Promise<void>((resolve) => (release = resolve));
      });
      while (prefix === '' || (await redis.exists(`${prefix}:queue`)) === 0)
        await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(openScopeCount(), before + 1);
      // What the CLI does on SIGINT, before it exits.
      assert.deepEqual(await closeOpenScopes(10_000), []);
      assert.equal(await keysUnder(redis, `${prefix}:`), 0);
      assert.equal(openScopeCount(), before);
      release();
      await running;
    } finally {
      redis.disconnect();
    }
  });

  it('fails a scenario that could not clean up after itself', async () => {
    await assert.rejects(
      withCleanup('leaky scenario', async (scope) => {
        scope.defer('broker', () => {
          throw new Error('still running');
        });
      }),
      /leaky scenario did not clean up: broker: still running/,
    );
  });
});
