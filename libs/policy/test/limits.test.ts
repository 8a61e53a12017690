import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthFailureBans, KeyedRateLimiter, NetworkList, TokenBucket } from '../src/index.js';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('NetworkList', () => {
  const list = new NetworkList(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
  const cases: Array<[string, boolean]> = [
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['11.0.0.1', false],
    ['192.0.2.7', true],
    ['192.0.2.8', false],
    ['2001:db8::1', true],
    ['2001:db9::1', false],
    ['not-an-address', false],
  ];
  for (const [address, expected] of cases) {
    it(`${address} ${expected ? 'is' : 'is not'} listed`, () =>
      assert.equal(list.contains(address), expected));
  }
  it('refuses an invalid network', () => assert.throws(() => new NetworkList(['10.0.0.0/40'])));
});

describe('TokenBucket', () => {
  it('lets a burst through, then asks to wait for the debt to refill', () => {
    const c = clock();
    const bucket = new TokenBucket(1000, 1000, c.now);
    assert.equal(bucket.take(1000), 0);
    assert.equal(bucket.take(500), 500);
    c.t += 250;
    assert.equal(bucket.take(0), 250);
    c.t += 250;
    assert.equal(bucket.take(0), 0);
  });

  it('never refills beyond the burst', () => {
    const c = clock();
    const bucket = new TokenBucket(100, 10, c.now);
    c.t += 60_000;
    assert.equal(bucket.tryTake(10), true);
    assert.equal(bucket.tryTake(1), false);
  });

  it('treats a rate of 0 as unlimited', () => {
    const bucket = new TokenBucket(0, 1);
    assert.equal(bucket.take(1e9), 0);
    assert.equal(bucket.tryTake(1e9), true);
  });
});

describe('KeyedRateLimiter', () => {
  it('limits each key on its own and forgets refilled keys', () => {
    const c = clock();
    const limiter = new KeyedRateLimiter(1, 2, c.now);
    assert.deepEqual(
      [limiter.allow('a'), limiter.allow('a'), limiter.allow('a')],
      [true, true, false],
    );
    assert.equal(limiter.allow('b'), true);
    c.t += 1_000;
    assert.equal(limiter.allow('a'), true);
    c.t += 20_000;
    limiter.allow('c');
    assert.equal(limiter.trackedKeys, 1);
  });
});

describe('AuthFailureBans', () => {
  it('bans after maxFailures within the window, and the ban expires', () => {
    const c = clock();
    const bans = new AuthFailureBans({ maxFailures: 3, windowSeconds: 10, banSeconds: 60 }, c.now);
    assert.equal(bans.recordFailure('192.0.2.1'), false);
    assert.equal(bans.recordFailure('192.0.2.1'), false);
    assert.equal(bans.bannedFor('192.0.2.1'), 0);
    assert.equal(bans.recordFailure('192.0.2.1'), true);
    assert.equal(bans.bannedFor('192.0.2.1'), 60_000);
    assert.equal(bans.bannedFor('192.0.2.2'), 0);
    c.t += 60_001;
    assert.equal(bans.bannedFor('192.0.2.1'), 0);
    bans.sweep();
    assert.equal(bans.size, 0);
  });

  it('forgets failures older than the window', () => {
    const c = clock();
    const bans = new AuthFailureBans({ maxFailures: 2, windowSeconds: 10, banSeconds: 60 }, c.now);
    bans.recordFailure('192.0.2.1');
    c.t += 11_000;
    assert.equal(bans.recordFailure('192.0.2.1'), false);
  });
});
