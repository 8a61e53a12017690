import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideRollout, type WaveProgress } from '../src/index.js';

const wave = (index: number, over: Partial<WaveProgress> = {}): WaveProgress => ({
  index,
  state: 'pending',
  size: 100,
  successThreshold: 0.9,
  failureThreshold: 0.1,
  installed: 0,
  failures: 0,
  unfinished: 100,
  ...over,
});

test('waits while the current wave has not installed its success share; offline vehicles are not failures', () => {
  const decision = decideRollout({
    id: 'c',
    currentWave: 0,
    waves: [wave(0, { state: 'running', installed: 89, unfinished: 11 }), wave(1)],
  });
  assert.deepEqual(decision, { action: 'none' });
});

test('starts the next wave at the success threshold', () => {
  const decision = decideRollout({
    id: 'c',
    currentWave: 0,
    waves: [wave(0, { state: 'running', installed: 90, unfinished: 10 }), wave(1), wave(2)],
  });
  assert.deepEqual(decision, { action: 'next-wave', wave: 1, finished: 0 });
});

test('pauses when failures exceed the threshold, before anything else, with a readable reason', () => {
  const decision = decideRollout({
    id: 'c',
    currentWave: 1,
    waves: [
      wave(0, { state: 'done', installed: 100, unfinished: 0 }),
      wave(1, { state: 'running', installed: 95, failures: 11, unfinished: 0 }),
      wave(2),
    ],
  });
  assert.equal(decision.action, 'pause');
  assert.ok(
    decision.action === 'pause' &&
      decision.reason.includes('11 of 100') &&
      decision.reason.includes('11% > 10%'),
  );
  const atThreshold = decideRollout({
    id: 'c',
    currentWave: 0,
    waves: [wave(0, { state: 'running', failures: 10, unfinished: 90 })],
  });
  assert.deepEqual(atThreshold, { action: 'none' }, 'exactly at the threshold does not pause');
});

test('completes when every wave started and nothing is unfinished', () => {
  const waves = [
    wave(0, { state: 'done', installed: 100, unfinished: 0 }),
    wave(1, { state: 'running', installed: 95, failures: 5, unfinished: 0 }),
  ];
  assert.deepEqual(decideRollout({ id: 'c', currentWave: 1, waves }), { action: 'complete' });
  const stillPending = [
    ...waves.slice(0, 1),
    wave(1, { state: 'running', installed: 95, unfinished: 5 }),
  ];
  assert.deepEqual(decideRollout({ id: 'c', currentWave: 1, waves: stillPending }), {
    action: 'none',
  });
});

test('while deliveries are still being written a campaign may pause, but neither moves on nor completes', () => {
  const nothingYet = [wave(0, { state: 'running', size: 1000, installed: 0, unfinished: 0 })];
  assert.deepEqual(
    decideRollout({ id: 'c', currentWave: 0, waves: nothingYet, materializing: true }),
    { action: 'none' },
    'no delivery unfinished yet is not complete',
  );
  assert.deepEqual(decideRollout({ id: 'c', currentWave: 0, waves: nothingYet }), {
    action: 'complete',
  });
  const early = [wave(0, { state: 'running', installed: 95, unfinished: 5 }), wave(1)];
  assert.deepEqual(decideRollout({ id: 'c', currentWave: 0, waves: early, materializing: true }), {
    action: 'none',
  });
  const failing = [wave(0, { state: 'running', failures: 20, unfinished: 80 }), wave(1)];
  assert.equal(
    decideRollout({ id: 'c', currentWave: 0, waves: failing, materializing: true }).action,
    'pause',
  );
});
