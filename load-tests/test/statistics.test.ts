import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, quantile, spread } from '../src/runner/statistics.js';

describe('statistics', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even one', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it('interpolates quartiles between ranks', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert.equal(quantile(values, 0.25), 3);
    assert.equal(quantile(values, 0.75), 7);
    assert.equal(quantile([10, 20], 0.25), 12.5);
  });

  it('summarises repeats as median, min, max and interquartile range', () => {
    const s = spread([12, 10, 14, 11, 13]);
    assert.deepEqual(
      { median: s.median, min: s.min, max: s.max, q1: s.q1, q3: s.q3, iqr: s.iqr, count: s.count },
      { median: 12, min: 10, max: 14, q1: 11, q3: 13, iqr: 2, count: 5 },
    );
    assert.equal(s.relativeRange, 4 / 12);
  });

  it('ignores values that are not finite and reports an empty set as NaN', () => {
    assert.equal(median([1, Number.NaN, 3, Number.POSITIVE_INFINITY]), 2);
    const empty = spread([]);
    assert.equal(empty.count, 0);
    assert.ok(Number.isNaN(empty.median));
  });

  it('keeps a single run as its own median with no spread', () => {
    const s = spread([42]);
    assert.equal(s.median, 42);
    assert.equal(s.iqr, 0);
    assert.equal(s.relativeRange, 0);
  });

  it('refuses a quantile outside [0, 1]', () => {
    assert.throws(() => quantile([1, 2], 1.5), RangeError);
  });
});
