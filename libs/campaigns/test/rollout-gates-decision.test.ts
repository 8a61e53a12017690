import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideRollout, type CampaignProgress, type WaveProgress } from '../src/index.js';

const wave = (index: number, over: Partial<WaveProgress> = {}): WaveProgress => ({
  index,
  state: 'pending',
  size: 100,
  successThreshold: 0.9,
  failureThreshold: 0.1,
  installed: 0,
  failures: 0,
  unfinished: 100,
  reached: 0,
  ...over,
});

const campaign = (over: Partial<CampaignProgress>): CampaignProgress => ({
  id: 'c',
  currentWave: 0,
  waves: [],
  ...over,
});

test('a next wave that requires approval is held for it instead of started', () => {
  const decision = decideRollout(
    campaign({
      waves: [
        wave(0, { state: 'running', installed: 90, reached: 90, unfinished: 10 }),
        wave(1, { requiresApproval: true }),
      ],
    }),
  );
  assert.deepEqual(decision, { action: 'await-approval', wave: 1, finished: 0 });
});

test('a wave that requires approval is not held before the current wave succeeds', () => {
  const decision = decideRollout(
    campaign({
      waves: [
        wave(0, { state: 'running', installed: 89, reached: 89, unfinished: 11 }),
        wave(1, { requiresApproval: true }),
      ],
    }),
  );
  assert.deepEqual(decision, { action: 'none' });
});

test('while a wave awaits approval nothing moves and the campaign does not complete', () => {
  const decision = decideRollout(
    campaign({
      waves: [
        wave(0, { state: 'done', installed: 100, reached: 100, unfinished: 0 }),
        wave(1, { state: 'awaiting_approval', requiresApproval: true }),
        wave(2),
      ],
    }),
  );
  assert.deepEqual(decision, { action: 'none' });
  const lastWave = decideRollout(
    campaign({
      waves: [
        wave(0, { state: 'done', installed: 100, reached: 100, unfinished: 0 }),
        wave(1, { state: 'awaiting_approval', requiresApproval: true, size: 0, unfinished: 0 }),
      ],
    }),
  );
  assert.deepEqual(lastWave, { action: 'none' }, 'an unapproved wave keeps the campaign open');
});

test('a first wave awaiting approval does not hand over to the next, even when empty', () => {
  const decision = decideRollout(
    campaign({
      waves: [
        wave(0, { state: 'awaiting_approval', requiresApproval: true, size: 0, unfinished: 0 }),
        wave(1),
      ],
    }),
  );
  assert.deepEqual(decision, { action: 'none' });
});

test('an approved wave is judged like any running wave: it hands over and fails as usual', () => {
  const handsOver = decideRollout(
    campaign({
      currentWave: 1,
      waves: [
        wave(0, { state: 'done', installed: 100, reached: 100, unfinished: 0 }),
        wave(1, { state: 'running', requiresApproval: true, installed: 95, reached: 95 }),
        wave(2),
      ],
    }),
  );
  assert.deepEqual(handsOver, { action: 'next-wave', wave: 2, finished: 1 });
  const fails = decideRollout(
    campaign({
      currentWave: 1,
      waves: [
        wave(0, { state: 'done', installed: 100, reached: 100, unfinished: 0 }),
        wave(1, { state: 'running', requiresApproval: true, failures: 11, reached: 11 }),
      ],
    }),
  );
  assert.equal(fails.action, 'pause');
});

// 30 of 100 vehicles parked: 70 answered and installed.
const parkedWave = wave(0, { state: 'running', installed: 70, reached: 70, unfinished: 30 });

test('with the target basis, a wave with 30 % of its vehicles parked stays', () => {
  const decision = decideRollout(campaign({ waves: [parkedWave, wave(1)] }));
  assert.deepEqual(decision, { action: 'none' });
});

test('with the reached basis, a wave with 30 % of its vehicles parked advances', () => {
  const decision = decideRollout(
    campaign({ thresholdBasis: 'reached', waves: [parkedWave, wave(1)] }),
  );
  assert.deepEqual(decision, { action: 'next-wave', wave: 1, finished: 0 });
});

test('with the reached basis, vehicles still installing count against the success share', () => {
  const decision = decideRollout(
    campaign({
      thresholdBasis: 'reached',
      waves: [wave(0, { state: 'running', installed: 60, reached: 70, unfinished: 40 }), wave(1)],
    }),
  );
  assert.deepEqual(decision, { action: 'none' }, '60 of 70 reached is below 90 %');
});

test('with the reached basis, a wave that mostly did not answer is not judged on the few that did', () => {
  const fewAnswered = decideRollout(
    campaign({
      thresholdBasis: 'reached',
      waves: [wave(0, { state: 'running', installed: 49, reached: 49, unfinished: 51 }), wave(1)],
    }),
  );
  assert.deepEqual(fewAnswered, { action: 'none' }, '49 of 100 reached is below the minimum');
  const half = decideRollout(
    campaign({
      thresholdBasis: 'reached',
      waves: [wave(0, { state: 'running', installed: 50, reached: 50, unfinished: 50 }), wave(1)],
    }),
  );
  assert.deepEqual(half, { action: 'next-wave', wave: 1, finished: 0 }, 'half the wave suffices');
  const oneVehicle = decideRollout(
    campaign({
      thresholdBasis: 'reached',
      waves: [wave(0, { state: 'running', size: 1, unfinished: 1 }), wave(1)],
    }),
  );
  assert.deepEqual(oneVehicle, { action: 'none' }, 'nobody answered: at least one vehicle must');
});

test('with the reached basis, failures are a share of the reached once enough answered', () => {
  const decision = decideRollout(
    campaign({
      thresholdBasis: 'reached',
      waves: [wave(0, { state: 'running', installed: 52, failures: 8, reached: 60 }), wave(1)],
    }),
  );
  assert.equal(decision.action, 'pause', '8 of 60 reached is above 10 %');
  assert.ok(
    decision.action === 'pause' &&
      decision.reason.includes('8 of 60 reached vehicles') &&
      decision.reason.includes('13.3% > 10%'),
    decision.action === 'pause' ? decision.reason : '',
  );
  const target = decideRollout(
    campaign({
      waves: [wave(0, { state: 'running', installed: 52, failures: 8, reached: 60 }), wave(1)],
    }),
  );
  assert.deepEqual(target, { action: 'none' }, '8 of 100 deliveries is within 10 %');
});

test('with the reached basis, early failures among few answers pause only by the target share', () => {
  const fewFailures = decideRollout(
    campaign({
      thresholdBasis: 'reached',
      waves: [wave(0, { state: 'running', failures: 2, reached: 3 }), wave(1)],
    }),
  );
  assert.deepEqual(fewFailures, { action: 'none' }, '2 of 3 answers is not yet a verdict');
  const many = decideRollout(
    campaign({
      thresholdBasis: 'reached',
      onFailureThreshold: 'cancel',
      waves: [wave(0, { state: 'running', failures: 11, reached: 20 }), wave(1)],
    }),
  );
  assert.equal(many.action, 'cancel', '11 of 100 deliveries crosses the threshold by any basis');
});

test('with the reached basis, completion still needs every delivery finished', () => {
  const parked = decideRollout(
    campaign({ thresholdBasis: 'reached', waves: [{ ...parkedWave, successThreshold: 0.5 }] }),
  );
  assert.deepEqual(parked, { action: 'none' }, 'parked deliveries keep the campaign open');
  const ended = decideRollout(
    campaign({
      thresholdBasis: 'reached',
      waves: [wave(0, { state: 'running', installed: 70, reached: 70, unfinished: 0 })],
    }),
  );
  assert.deepEqual(ended, { action: 'complete' });
});

test('with the reached basis, a next wave that requires approval is held for it', () => {
  const decision = decideRollout(
    campaign({
      thresholdBasis: 'reached',
      waves: [parkedWave, wave(1, { requiresApproval: true })],
    }),
  );
  assert.deepEqual(decision, { action: 'await-approval', wave: 1, finished: 0 });
});
