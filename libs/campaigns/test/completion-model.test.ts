import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  estimateCompletion,
  harmonic,
  SETTLE_MS,
  type CampaignObservation,
  type PreviousObservation,
  type WaveObservation,
} from '../src/index.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-29T12:00:00Z');

function wave(overrides: Partial<WaveObservation> = {}): WaveObservation {
  return {
    index: 0,
    size: 1000,
    successThreshold: 0.95,
    awaitsApproval: false,
    startedAt: NOW - 2 * HOUR,
    unreached: 1000,
    inProgress: 0,
    installed: 0,
    failures: 0,
    previous: null,
    ...overrides,
  };
}

/** What a refresh an hour ago, after the wave settled, saw: `unreached` still unreached. */
const anHourAgo = (unreached: number, more: Partial<PreviousObservation> = {}) => ({
  at: NOW - HOUR,
  unreached,
  waitedSeconds: 0,
  returns: 0,
  successAt: null,
  completeAt: null,
  ...more,
});

const campaign = (waves: WaveObservation[], expiresAt = NOW + 30 * 24 * HOUR) =>
  ({ now: NOW, expiresAt, waves }) satisfies CampaignObservation;

const near = (actual: number | null, expected: number, tolerance: number, what: string) => {
  assert.ok(actual !== null, `${what} is predicted`);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${new Date(actual).toISOString()} is not within ${tolerance} ms of ${new Date(expected).toISOString()}`,
  );
};

test('nothing is predicted before a wave starts, a delivery ends or a vehicle comes back', () => {
  const [notStarted] = estimateCompletion(campaign([wave({ startedAt: null })]));
  assert.equal(notStarted!.successAt, null);
  assert.equal(notStarted!.completeAt, null);
  assert.equal(notStarted!.basis.reason, 'no wave has started yet');

  const [unended] = estimateCompletion(campaign([wave({ unreached: 600, inProgress: 400 })]));
  assert.equal(unended!.successAt, null);
  assert.match(unended!.basis.reason!, /no delivery has ended yet/);

  // The online vehicles answered at once; nobody parked has come back in the hour since.
  const [waiting] = estimateCompletion(
    campaign([wave({ unreached: 500, installed: 500, previous: anHourAgo(500) })]),
  );
  assert.equal(waiting!.successAt, null);
  assert.equal(waiting!.completeAt, null);
  assert.equal(
    waiting!.basis.reason,
    'no unreached vehicle has come back yet (watched for 500 vehicle-hours)',
  );
  assert.equal(waiting!.basis.waitedSeconds, 500 * 3600);
});

test('the first minute of a wave is not counted as vehicles coming back', () => {
  const started = NOW - HOUR - SETTLE_MS / 2;
  const [estimate] = estimateCompletion(
    campaign([
      wave({ startedAt: started, unreached: 400, installed: 600, previous: anHourAgo(1000) }),
    ]),
  );
  assert.equal(estimate!.basis.returns, 0);
  assert.equal(estimate!.basis.waitedSeconds, 0);
  assert.equal(estimate!.basis.reachRatePerHour, null);
});

test('half the unreached came back in an hour: returns over waiting give the rate, harmonic numbers the times', () => {
  const [estimate] = estimateCompletion(
    campaign([
      wave({ unreached: 500, inProgress: 100, installed: 400, previous: anHourAgo(1000) }),
    ]),
  );
  const b = estimate!.basis;
  // 500 returns over 1,000 vehicle-hours.
  assert.ok(Math.abs(b.reachRatePerHour! - 0.5) < 1e-9);
  const lambda = 0.5 / 3600;
  assert.equal(b.installShare, 1);
  // 100 in progress over 400 ended in two hours: half an hour from answer to end.
  assert.ok(Math.abs(b.lagSeconds! - 1800) < 1e-6);
  assert.equal(b.neededForThreshold, 550);
  // 100 come from the vehicles in progress; 450 of the 500 unreached must come back.
  const wait = (harmonic(500) - harmonic(50)) / lambda;
  near(estimate!.successAt, NOW + 1_800_000 + wait * 1000, 1, 'success');
  near(estimate!.completeAt, NOW + 1_800_000 + (harmonic(500) / lambda) * 1000, 1, 'completion');
  assert.equal(b.reason, null);
  assert.equal(b.cappedAtExpiry, false);
});

test('a threshold the observed install share cannot reach is not predicted, and says why', () => {
  const [estimate] = estimateCompletion(
    campaign([wave({ unreached: 500, installed: 250, failures: 250, previous: anHourAgo(1000) })]),
  );
  assert.equal(estimate!.successAt, null);
  assert.match(estimate!.basis.reason!, /observed install share \(50\.0%\)/);
  assert.ok(estimate!.completeAt !== null, 'the end is still predicted');
});

test('the end is capped at the expiry, and a threshold after the expiry is not predicted', () => {
  const [estimate] = estimateCompletion(
    campaign([wave({ unreached: 900, installed: 100, previous: anHourAgo(1000) })], NOW + HOUR),
  );
  assert.equal(estimate!.completeAt, NOW + HOUR);
  assert.equal(estimate!.basis.cappedAtExpiry, true);
  assert.equal(estimate!.successAt, null);
  assert.equal(estimate!.basis.reason, 'the threshold is not expected before the campaign expires');
});

test('a reached threshold keeps the time it was first seen reached', () => {
  const earlier = NOW - 10 * 60_000;
  const reached = { unreached: 10, installed: 990 };
  const [kept] = estimateCompletion(
    campaign([wave({ ...reached, previous: anHourAgo(20, { successAt: earlier }) })]),
  );
  assert.equal(kept!.successAt, earlier);
  const [first] = estimateCompletion(
    campaign([wave({ ...reached, previous: anHourAgo(20, { successAt: NOW + HOUR }) })]),
  );
  assert.equal(first!.successAt, NOW, 'a predicted time in the future is replaced by now');
});

test('a pending wave starts when the wave before reaches its threshold; an approval stops the chain', () => {
  const first = wave({ size: 100, unreached: 50, installed: 50, previous: anHourAgo(100) });
  const second = wave({ index: 1, startedAt: null, size: 900, unreached: 900 });
  const [a, b] = estimateCompletion(campaign([first, second]));
  assert.ok(a!.successAt !== null && b!.successAt !== null);
  assert.equal(b!.basis.startAt, new Date(a!.successAt).toISOString());
  assert.ok(b!.successAt > a!.successAt);
  assert.ok(b!.completeAt! > b!.successAt);

  const gated = { ...second, awaitsApproval: true };
  const third = wave({ index: 2, startedAt: null, size: 500, unreached: 500 });
  const [, held, after] = estimateCompletion(campaign([first, gated, third]));
  assert.equal(held!.successAt, null);
  assert.equal(held!.basis.reason, 'the wave waits for an operator to approve it');
  assert.equal(after!.successAt, null);
  assert.equal(after!.basis.reason, 'wave 2 waits for an approval');
});

/** A small deterministic generator, so the simulated fleet is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('on a simulated fleet, 40 % online at the start and the rest coming back at random, the predictions land near what happens', () => {
  const random = mulberry32(354);
  const size = 4000;
  const lambda = 1 / (4 * 3600); // a parked car comes back every four hours on average
  const lag = 20 * 60; // twenty minutes to download and install
  const vehicles = Array.from({ length: size }, () => ({
    reach: random() < 0.4 ? 5 + 30 * random() : -Math.log(1 - random()) / lambda,
    installs: random() < 0.97,
  }));
  const ends = vehicles.map((v) => v.reach + lag).sort((a, b) => a - b);
  const installEnds = vehicles
    .filter((v) => v.installs)
    .map((v) => v.reach + lag)
    .sort((a, b) => a - b);
  const threshold = 0.8;
  const actualSuccess = installEnds[Math.ceil(threshold * size) - 1]!;
  const actualEnd = ends[ends.length - 1]!;

  const start = NOW - 2 * HOUR;
  const at = (t: number) => ({
    unreached: vehicles.filter((v) => v.reach > t).length,
    inProgress: vehicles.filter((v) => v.reach <= t && v.reach + lag > t).length,
    installed: vehicles.filter((v) => v.installs && v.reach + lag <= t).length,
    failures: vehicles.filter((v) => !v.installs && v.reach + lag <= t).length,
  });
  // Refreshes every five minutes for two hours, each reading what the one before stored.
  let previous: PreviousObservation | null = null;
  let estimate;
  for (let t = 300; t <= 7200; t += 300) {
    const now = start + t * 1000;
    [estimate] = estimateCompletion({
      now,
      expiresAt: now + 30 * 24 * HOUR,
      waves: [wave({ size, successThreshold: threshold, startedAt: start, previous, ...at(t) })],
    });
    previous = {
      at: now,
      unreached: estimate!.basis.unreached,
      waitedSeconds: estimate!.basis.waitedSeconds,
      returns: estimate!.basis.returns,
      successAt: estimate!.successAt,
      completeAt: estimate!.completeAt,
    };
  }
  const observedAfter = 7200;
  const predictedSuccess = (estimate!.successAt! - start) / 1000;
  const predictedEnd = (estimate!.completeAt! - start) / 1000;
  assert.ok(Math.abs(estimate!.basis.reachRatePerHour! - 0.25) < 0.05, 'the rate is recovered');
  assert.ok(
    Math.abs(predictedSuccess - actualSuccess) <= 0.2 * (actualSuccess - observedAfter),
    `threshold: predicted ${Math.round(predictedSuccess)} s, happened at ${Math.round(actualSuccess)} s`,
  );
  // The last of many random returns spreads by π/√6 · 1/λ (a Gumbel law): within two of that.
  const spread = Math.PI / Math.sqrt(6) / lambda;
  assert.ok(
    Math.abs(predictedEnd - actualEnd) <= 2 * spread,
    `last delivery: predicted ${Math.round(predictedEnd)} s, happened at ${Math.round(actualEnd)} s`,
  );
});

test('harmonic numbers: exact for small n, ln n + γ beyond', () => {
  assert.equal(harmonic(0), 0);
  assert.equal(harmonic(1), 1);
  assert.ok(Math.abs(harmonic(3) - 11 / 6) < 1e-12);
  let exact = 0;
  for (let i = 1; i <= 5000; i += 1) exact += 1 / i;
  assert.ok(Math.abs(harmonic(5000) - exact) < 1e-6);
});
