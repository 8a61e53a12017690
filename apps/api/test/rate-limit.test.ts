import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger } from '@roadcast/observability';
import { uniquePrefix } from '@roadcast/testing';
import { hashKey } from '../src/services/api-keys.js';
import { ClusterRateShare } from '../src/services/cluster-rate-share.js';
import { KeyedTokenBuckets } from '../src/services/keyed-token-buckets.js';
import { REDIS_URL, startApiFixture, type ApiFixture } from './api-fixture.js';

describe('keyed token buckets', () => {
  test('a key spends one second of its rate at once, then waits for the refill', () => {
    let now = 1_000_000;
    const buckets = new KeyedTokenBuckets(10, () => now);
    const answers = Array.from({ length: 12 }, () => buckets.take('k', 10));
    assert.equal(answers.filter((a) => a.allowed).length, 10);
    assert.deepEqual(answers[9], { allowed: true, remaining: 0, retryAfterSeconds: 0 });
    assert.equal(answers[11]!.retryAfterSeconds, 1);
    now += 500;
    const refilled = Array.from({ length: 6 }, () => buckets.take('k', 10));
    assert.equal(refilled.filter((a) => a.allowed).length, 5, 'half a second, half the rate');
    assert.equal(buckets.take('other', 10).allowed, true, 'keys are separate');
  });

  test('at most maxKeys buckets: a flood of new keys forgets the least recently used', () => {
    const buckets = new KeyedTokenBuckets(3, () => 0);
    buckets.take('a', 1);
    buckets.take('b', 1);
    buckets.take('c', 1);
    assert.equal(buckets.take('a', 1).allowed, false, 'a is empty and now most recent');
    for (let i = 0; i < 1_000; i += 1) buckets.take(`spray-${i}`, 1);
    assert.equal(buckets.size, 3);
    assert.equal(buckets.take('a', 1).allowed, true, 'forgotten buckets start full');
  });
});

describe('cluster rate share', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix('rate-share');
  const logger = createLogger({ service: 'api', level: 'silent' });
  after(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  test('instances split a contended key by their share of its demand; an uncontended key keeps the whole limit', async () => {
    let now = 1_700_000_000_500;
    const make = () =>
      new ClusterRateShare({
        redis,
        prefix,
        perSecond: 100,
        intervalMs: 1_000,
        logger,
        now: () => now,
      });
    const a = make();
    const b = make();
    for (const second of [0, 1]) {
      now = 1_700_000_000_500 + second * 1_000;
      for (let i = 0; i < 150; i += 1) a.record('busy');
      for (let i = 0; i < 50; i += 1) b.record('busy');
      for (let i = 0; i < 30; i += 1) a.record('quiet');
      for (let i = 0; i < 30; i += 1) b.record('quiet');
      await a.sync();
      await b.sync();
    }
    assert.equal(a.shareOf('busy'), 0.75);
    assert.equal(b.shareOf('busy'), 0.25);
    assert.equal(a.shareOf('quiet'), 1, '60 of 100: no need to split');
    assert.equal(a.shareOf('unseen'), 1);
  });

  test('without Redis the shares age out and each instance applies the whole limit', async () => {
    let now = 1_700_000_100_500;
    const offline = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      commandTimeout: 200,
      retryStrategy: () => null,
    });
    offline.on('error', () => undefined);
    const online = new ClusterRateShare({
      redis,
      prefix,
      perSecond: 10,
      intervalMs: 1_000,
      logger,
      now: () => now,
    });
    for (let i = 0; i < 50; i += 1) online.record('k');
    await online.sync();
    now += 1_000;
    for (let i = 0; i < 50; i += 1) online.record('k');
    await online.sync();
    assert.ok(online.shareOf('k') <= 1);
    const cut = new ClusterRateShare({
      redis: offline,
      prefix,
      perSecond: 10,
      intervalMs: 1_000,
      logger,
      now: () => now,
    });
    cut.record('k');
    await cut.sync();
    assert.equal(cut.shareOf('k'), 1, 'no shares known: the whole limit');
    now += 10_000;
    assert.equal(online.shareOf('k'), 1, 'stale shares are dropped');
    offline.disconnect();
  });
});

describe('limits in the API', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture('api-limits', {
      RATE_LIMIT_PER_SECOND: '3',
      RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '5',
    });
  });
  after(() => f.close());

  const from = (address: string, key: string | undefined, url = '/v1/campaigns?limit=1') =>
    f.app.inject({
      method: 'GET',
      url,
      remoteAddress: address,
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
  const randomKey = () => `rk_${randomBytes(24).toString('base64url')}`;

  test('a key over its rate is 429 with Retry-After; the headers count down', async () => {
    const answers = [];
    for (let i = 0; i < 25; i += 1) answers.push(await from('10.0.0.1', f.keys.viewer));
    const ok = answers.filter((r) => r.statusCode === 200);
    assert.ok(ok.length >= 3 && ok.length < 25, `${ok.length} served`);
    assert.equal(ok[0]!.headers['x-ratelimit-limit'], '3');
    assert.equal(ok[0]!.headers['x-ratelimit-remaining'], '2', 'a full bucket less this request');
    const limited = answers.find((r) => r.statusCode === 429)!;
    assert.equal(limited.json().code, 'ROADCAST_ERR_RATE_LIMITED');
    assert.equal(limited.headers['retry-after'], '1');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });

  test('a spray of random keys from one address costs a few lookups and leaves its valid neighbour served', async () => {
    assert.equal((await from('10.0.0.2', f.keys.operator)).statusCode, 200);
    const lookups = f.app.apiKeys.lookups;
    const answers = [];
    for (let i = 0; i < 60; i += 1) answers.push(await from('10.0.0.2', randomKey()));
    for (let i = 0; i < 20; i += 1) answers.push(await from('10.0.0.2', undefined));
    const limited = answers.filter((r) => r.statusCode === 429);
    assert.ok(limited.length >= 70, `${limited.length} of 80 limited`);
    assert.ok(answers.every((r) => r.statusCode === 401 || r.statusCode === 429));
    assert.ok(limited.every((r) => Number(r.headers['retry-after']) >= 1));
    assert.ok(f.app.apiKeys.lookups - lookups <= 8, `${f.app.apiKeys.lookups - lookups} lookups`);
    assert.equal(
      (await from('10.0.0.2', f.keys.operator)).statusCode,
      200,
      'the valid key is served',
    );
    const spoofed = await f.app.inject({
      method: 'GET',
      url: '/v1/campaigns',
      remoteAddress: '10.0.0.2',
      headers: { 'x-forwarded-for': '192.0.2.77', authorization: `Bearer ${randomKey()}` },
    });
    assert.equal(spoofed.statusCode, 429, 'X-Forwarded-For is not believed from an untrusted peer');
  });

  test('random keys from thousands of addresses cannot push a valid key out of the cache', async () => {
    const validHash = hashKey(f.keys.viewer);
    assert.equal((await from('10.0.0.3', f.keys.viewer)).statusCode, 200);
    for (let i = 0; i < 3_000; i += 1) {
      const res = await from(`10.${(i >> 8) & 255}.${i & 255}.9`, randomKey());
      assert.equal(res.statusCode, 401);
    }
    const cached = f.app.apiKeys.cachedKeys;
    assert.ok(cached.refused <= 1_000, `${cached.refused} refused keys remembered`);
    assert.notEqual(
      f.app.apiKeys.recall(validHash).state,
      'unknown',
      'the valid key is remembered',
    );
    assert.equal((await from('10.0.0.3', f.keys.viewer)).statusCode, 200);
  });
});
