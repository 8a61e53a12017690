import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  estimateCompletion,
  harmonic,
  type CampaignObservation,
  type WaveObservation,
} from '../src/index.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-29T12:00:00Z');

function wave(overrides: Partial<WaveObservation> = {}): WaveObservation {
  return {
    index: 0,
    state: 'running',
    size: 1000,
    successThreshold: 0.95,
    awaitsApproval: false,
    startedAt: NOW - HOUR,
    unreached: 1000,
    inProgress: 0,
    installed: 0,
    failures: 0,
    previousSuccessAt: null,
    previousCompleteAt: null,
    ...overrides,
  };
}

const campaign = (waves: WaveObservation[], expiresAt = NOW + 30 * 24 * HOUR) =>
  ({ now: NOW, expiresAt, waves }) satisfies CampaignObservation;

const near = (actual: number | null, expected: number, tolerance: number, what: string) => {
  assert.ok(actual !== null, `${what} is predicted`);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${new Date(actual).toISOString()} is not within ${tolerance} ms of ${new Date(expected).toISOString()}`,
  );
};

test('nothing is predicted before a wave starts or a vehicle answers, and the reason says so', () => {
  const [notStarted] = estimateCompletion(campaign([wave({ startedAt: null, state: 'pending' })]));
  assert.equal(notStarted!.successAt, null);
  assert.equal(notStarted!.completeAt, null);
  assert.equal(notStarted!.basis.reason, 'no wave has started yet');

  const [silent] = estimateCompletion(campaign([wave()]));
  assert.equal(silent!.successAt, null);
  assert.equal(silent!.basis.reason, 'no vehicle has answered yet');

  const [unended] = estimateCompletion(campaign([wave({ unreached: 600, inProgress: 400 })]));
  assert.equal(unended!.successAt, null);
  assert.equal(unended!.basis.reason, 'no delivery has ended yet');
});

test('half the wave reached in an hour: reach rate ln 2 per hour, threshold and end follow from it', () => {
  const lambda = Math.LN2 / 3600;
  const [estimate] = estimateCompletion(
    campaign([wave({ unreached: 500, inProgress: 100, installed: 400 })]),
  );
  const b = estimate!.basis;
  assert.ok(Math.abs(b.reachRatePerHour! - Math.LN2) < 1e-9);
  assert.equal(b.installShare, 1);
  // 100 in progress over 400 ended per hour: a quarter of an hour from answer to end.
  assert.ok(Math.abs(b.lagSeconds! - 900) < 1e-6);
  assert.equal(b.neededForThreshold, 550);
  // 100 come from the vehicles in progress, 450 of the 500 unreached must answer: the 450th
  // of 500 arrivals, (H_500 − H_50) / λ, close to ln 10 / λ.
  const wait = (harmonic(500) - harmonic(50)) / lambda;
  assert.ok(Math.abs(wait - Math.log(10) / lambda) < 0.01 * wait);
  near(estimate!.successAt, NOW + 900_000 + wait * 1000, 1, 'success');
  near(estimate!.completeAt, NOW + 900_000 + (harmonic(500) / lambda) * 1000, 1, 'completion');
  assert.equal(b.reason, null);
  assert.equal(b.cappedAtExpiry, false);
});

test('a threshold that needs every unreached vehicle is the last arrival', () => {
  const [estimate] = estimateCompletion(
    campaign([wave({ size: 9, unreached: 3, installed: 6, successThreshold: 0.95 })]),
  );
  assert.equal(estimate!.basis.neededForThreshold, 3);
  assert.ok(estimate!.successAt !== null);
  assert.equal(estimate!.successAt, estimate!.completeAt);
});

test('a threshold the observed install share cannot reach is not predicted, and says why', () => {
  // Half of the ended deliveries failed: 100 + 250 + 250 < 950.
  const [estimate] = estimateCompletion(
    campaign([wave({ unreached: 500, inProgress: 0, installed: 250, failures: 250 })]),
  );
  assert.equal(estimate!.successAt, null);
  assert.match(estimate!.basis.reason!, /observed install share \(50\.0%\)/);
  assert.ok(estimate!.completeAt !== null, 'the end is still predicted');
});

test('the end is capped at the expiry, and a threshold after the expiry is not predicted', () => {
  const [estimate] = estimateCompletion(
    campaign([wave({ unreached: 900, inProgress: 0, installed: 100 })], NOW + HOUR),
  );
  assert.equal(estimate!.completeAt, NOW + HOUR);
  assert.equal(estimate!.basis.cappedAtExpiry, true);
  assert.equal(estimate!.successAt, null);
  assert.equal(estimate!.basis.reason, 'the threshold is not expected before the campaign expires');
});

test('a reached threshold keeps the time it was first seen reached', () => {
  const earlier = NOW - 10 * 60_000;
  const [estimate] = estimateCompletion(
    campaign([wave({ unreached: 10, inProgress: 0, installed: 990, previousSuccessAt: earlier })]),
  );
  assert.equal(estimate!.successAt, earlier);
  const [first] = estimateCompletion(
    campaign([
      wave({ unreached: 10, inProgress: 0, installed: 990, previousSuccessAt: NOW + HOUR }),
    ]),
  );
  assert.equal(first!.successAt, NOW, 'a predicted time in the future is replaced by now');
});

test('a pending wave starts when the wave before reaches its threshold; an approval stops the chain', () => {
  const first = wave({ size: 100, unreached: 50, inProgress: 0, installed: 50 });
  const second = wave({ index: 1, state: 'pending', startedAt: null, size: 900, unreached: 900 });
  const [a, b] = estimateCompletion(campaign([first, second]));
  assert.ok(a!.successAt !== null && b!.successAt !== null);
  assert.equal(b!.basis.startAt, new Date(a!.successAt).toISOString());
  assert.ok(b!.successAt > a!.successAt);
  assert.ok(b!.completeAt! > b!.successAt);

  const gated = { ...second, awaitsApproval: true };
  const third = wave({ index: 2, state: 'pending', startedAt: null, size: 500, unreached: 500 });
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

test('on a simulated fleet that comes online at random, the predictions land near what happens', () => {
  const random = mulberry32(354);
  const size = 4000;
  const lambda = 1 / (4 * 3600); // a car comes online every four hours on average
  const lag = 20 * 60; // twenty minutes to download and install
  const vehicles = Array.from({ length: size }, () => ({
    reach: -Math.log(1 - random()) / lambda,
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

  const observedAfter = 2 * 3600;
  const at = (t: number) => ({
    unreached: vehicles.filter((v) => v.reach > t).length,
    inProgress: vehicles.filter((v) => v.reach <= t && v.reach + lag > t).length,
    installed: vehicles.filter((v) => v.installs && v.reach + lag <= t).length,
    failures: vehicles.filter((v) => !v.installs && v.reach + lag <= t).length,
  });
  const start = NOW - observedAfter * 1000;
  const [estimate] = estimateCompletion(
    campaign([wave({ size, successThreshold: threshold, startedAt: start, ...at(observedAfter) })]),
  );
  const predictedSuccess = (estimate!.successAt! - start) / 1000;
  const predictedEnd = (estimate!.completeAt! - start) / 1000;
  // Within a fifth of the time that was still to come when the estimate was made.
  const within = (predicted: number, actual: number, what: string) =>
    assert.ok(
      Math.abs(predicted - actual) <= 0.2 * (actual - observedAfter),
      `${what}: predicted ${Math.round(predicted)} s, happened at ${Math.round(actual)} s`,
    );
  within(predictedSuccess, actualSuccess, 'threshold');
  // The last of many random arrivals spreads by π/√6 · 1/λ (a Gumbel law): within two of that.
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
