import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeOutcome, evaluateGoal, parseTarget } from '../src/report/goal.js';

describe('targets', () => {
  it('reads a ratio target', () => {
    assert.deepEqual(parseTarget('>= 0.9x HAProxy', { unit: 'msg/s' }), {
      compare: '>=',
      threshold: 0.9,
      on: 'ratio',
    });
    assert.deepEqual(parseTarget('≥ 0.5× raw publish rate', { unit: 'msg/s' }), {
      compare: '>=',
      threshold: 0.5,
      on: 'ratio',
    });
  });

  it('reads absolute targets and converts time units to the measurement unit', () => {
    assert.deepEqual(parseTarget('<= 10 s', { unit: 'ms' }), {
      compare: '<=',
      threshold: 10_000,
      on: 'value',
    });
    assert.deepEqual(parseTarget('>= 20,000 acks/s', { unit: 'acks/s' }), {
      compare: '>=',
      threshold: 20_000,
      on: 'value',
    });
    assert.deepEqual(parseTarget('>= 20k acks/s', { unit: 'acks/s' }), {
      compare: '>=',
      threshold: 20_000,
      on: 'value',
    });
  });

  it('leaves a target with a condition to the scenario', () => {
    assert.equal(
      parseTarget('<= 10 s for 1,000,000 (linear estimate 5.3 s)', { unit: 's' }),
      undefined,
    );
    const outcome = evaluateGoal({
      value: 0.4,
      unit: 's',
      target: '<= 10 s for 1,000,000',
      met: false,
    });
    assert.equal(outcome.status, 'missed');
    assert.equal(outcome.margin, undefined);
  });

  it('reads a target relative to the baseline with an allowance', () => {
    const goal = parseTarget('<= HAProxy + 1 ms', {
      unit: 'ms',
      baseline: { name: 'HAProxy', value: 2.5 },
    });
    assert.deepEqual(goal, { compare: '<=', threshold: 3.5, on: 'value' });
    const inMicros = parseTarget('<= HAProxy + 1 ms', {
      unit: 'us',
      baseline: { name: 'HAProxy', value: 200 },
    });
    assert.deepEqual(inMicros, { compare: '<=', threshold: 1200, on: 'value' });
  });

  it('reads "no more than the baseline" as a ratio of at most 1', () => {
    assert.deepEqual(
      parseTarget("<= HAProxy's", { unit: 'KiB', baseline: { name: 'HAProxy', value: 30 } }),
      {
        compare: '<=',
        threshold: 1,
        on: 'ratio',
      },
    );
  });

  it('says how much a missed target was missed by', () => {
    const outcome = evaluateGoal({
      value: 40_000,
      unit: 'msg/s',
      ratio: 0.72,
      target: '>= 0.9x HAProxy',
    });
    assert.equal(outcome.status, 'missed');
    assert.ok(Math.abs((outcome.margin ?? 0) + 0.2) < 1e-9);
    assert.equal(describeOutcome(outcome), 'missed by 20 % (needs ≥ 0.90×)');
  });

  it('says how much room a met target has, for lower-is-better figures too', () => {
    const outcome = evaluateGoal({ value: 8, unit: 's', target: '<= 10 s' });
    assert.equal(outcome.status, 'met');
    assert.equal(describeOutcome(outcome, 's'), 'met, 20 % to spare (needs ≤ 10 s)');
  });

  it('gives the gap in the unit for a missed absolute target', () => {
    const outcome = evaluateGoal({
      value: 4.29,
      unit: 'ms',
      baseline: { name: 'HAProxy', value: 1.69 },
      target: '<= HAProxy + 1 ms',
    });
    assert.equal(describeOutcome(outcome, 'ms'), 'missed by 1.6 ms, 59 % (needs ≤ 2.69 ms)');
  });

  it('gives no percentage against a threshold at or below zero', () => {
    const outcome = evaluateGoal({
      value: -5.96,
      unit: 'ms',
      baseline: { name: 'HAProxy', value: -3.25 },
      target: '<= HAProxy + 1 ms',
    });
    assert.equal(describeOutcome(outcome, 'ms'), 'met, 3.71 ms to spare (needs ≤ -2.25 ms)');
  });

  it('prefers a numeric goal to the words', () => {
    const outcome = evaluateGoal({
      value: 30,
      unit: 'ms',
      target: 'fast enough',
      goal: { compare: '<=', threshold: 25 },
    });
    assert.equal(outcome.status, 'missed');
  });

  it("falls back to the scenario's own verdict when the target cannot be read", () => {
    assert.equal(
      evaluateGoal({ value: 1, unit: '', target: 'all vehicles told', met: false }).status,
      'missed',
    );
    assert.equal(evaluateGoal({ value: 1, unit: '' }).status, 'unknown');
  });
});
