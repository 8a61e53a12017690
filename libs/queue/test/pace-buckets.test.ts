import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { uniquePrefix } from '@roadcast/testing';
import { PaceBuckets } from '../src/pace-buckets.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
after(() => redis.quit());

test('take grants the burst at once, then no more than the rate allows, and says how long to wait', async () => {
  const buckets = new PaceBuckets(redis, uniquePrefix('pace'));
  const first = await buckets.take('c', 10, 5, 8);
  assert.equal(first.granted, 5);
  assert.ok(
    first.waitMs > 0 && first.waitMs <= 300,
    `wait ${first.waitMs} ms for 3 tokens at 10/s`,
  );
  const started = Date.now();
  let granted = first.granted;
  while (Date.now() - started < 1_000) {
    const next = await buckets.take('c', 10, 5, 100);
    granted += next.granted;
    assert.ok(next.granted > 0 || next.waitMs >= 1);
    await new Promise((resolve) => setTimeout(resolve, next.granted > 0 ? 0 : next.waitMs));
  }
  const elapsed = Date.now() - started;
  // Burst plus what refilled: never more, whatever the scheduling.
  assert.ok(granted <= 5 + Math.ceil((elapsed / 1000) * 10) + 1, `${granted} in ${elapsed} ms`);
  assert.ok(granted >= 10, `${granted} in ${elapsed} ms: the bucket refills`);
});

test('two holders of one bucket share the rate; reservations never overlap', async () => {
  const prefix = uniquePrefix('pace');
  const other = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const a = new PaceBuckets(redis, prefix);
    const b = new PaceBuckets(other, prefix);
    const beforeA = Date.now();
    const ra = await a.reserve('broker-1', 100, 10, 50);
    const rb = await b.reserve('broker-1', 100, 10, 50);
    const afterB = Date.now();
    // An idle bucket lets the burst go at once; then one token every 10 ms.
    assert.equal(ra.dueInMs(0), 0);
    assert.equal(ra.dueInMs(9), 0);
    assert.ok(Math.abs(ra.dueInMs(49) - 400) <= 20, `last of a: ${ra.dueInMs(49)}`);
    // b booked after a: its tokens follow a's last, on the same schedule (offsets are from
    // each call's own moment, hence the bounds of both calls).
    const lastOfA = beforeA + ra.dueInMs(49);
    assert.ok(afterB + rb.dueInMs(0) >= lastOfA, 'b starts after a ends');
    const lastOfB = rb.dueInMs(49);
    assert.ok(
      lastOfB <= 900 && afterB + lastOfB >= beforeA + 900 - 20,
      `last of b: ${lastOfB} ms after a call made ${afterB - beforeA} ms after a's`,
    );
    // A take on the same bucket finds nothing left before the reservations are spent.
    const taken = await a.take('broker-1', 100, 10, 1);
    assert.equal(taken.granted, 0);
    assert.ok(taken.waitMs >= 600, `take waits behind the reservations: ${taken.waitMs}`);
    // Another bucket is independent.
    assert.equal((await a.take('broker-2', 100, 10, 10)).granted, 10);
  } finally {
    await other.quit();
  }
});

test('a lease has one holder at a time; others learn when it expects to be done', async () => {
  const buckets = new PaceBuckets(redis, uniquePrefix('pace'));
  assert.deepEqual(await buckets.lease('c', 'job-1', 3_000, 1_000), { held: true, retryInMs: 0 });
  const other = await buckets.lease('c', 'job-2', 3_000, 1_000);
  assert.equal(other.held, false);
  assert.ok(other.retryInMs > 2_000 && other.retryInMs <= 3_000, `retry in ${other.retryInMs}`);
  // The holder renews it; a release by someone else changes nothing.
  assert.equal((await buckets.lease('c', 'job-1', 500, 1_000)).held, true);
  await buckets.release('c', 'job-2');
  assert.equal((await buckets.lease('c', 'job-2', 500, 1_000)).held, false);
  await buckets.release('c', 'job-1');
  assert.equal((await buckets.lease('c', 'job-2', 500, 1_000)).held, true);
  // A holder that vanishes loses it once its expected time and the grace have passed.
  await new Promise((resolve) => setTimeout(resolve, 1_600));
  assert.equal((await buckets.lease('c', 'job-3', 500, 1_000)).held, true);
});
