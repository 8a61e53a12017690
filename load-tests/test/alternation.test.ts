import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alternate, alternation, rotation } from '../src/runner/alternation.js';

describe('baseline and Roadcast in turn', () => {
  it('alternates the sides, the first one rotating with the run index', () => {
    const sides = (runIndex: number) => alternation(3, runIndex).map((t) => t.side[0]);
    assert.deepEqual(sides(0), ['b', 'r', 'b', 'r', 'b', 'r']);
    assert.deepEqual(sides(1), ['r', 'b', 'r', 'b', 'r', 'b']);
    assert.deepEqual(sides(2), sides(0));
    assert.deepEqual(
      alternation(2, 0).map((t) => t.pair),
      [0, 0, 1, 1],
    );
  });

  it('starts a rotation of several measurements at a different one each run', () => {
    assert.deepEqual(rotation(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
    assert.deepEqual(rotation(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
    assert.deepEqual(rotation(['a', 'b', 'c'], 5), ['c', 'a', 'b']);
    assert.deepEqual(rotation([], 3), []);
  });

  it('runs each turn in order and collects the results by side', async () => {
    const seen: string[] = [];
    const results = await alternate(alternation(2, 1), async ({ side, pair }) => {
      seen.push(`${side}${pair}`);
      return seen.length;
    });
    assert.deepEqual(seen, ['roadcast0', 'baseline0', 'roadcast1', 'baseline1']);
    assert.deepEqual(results, { roadcast: [1, 3], baseline: [2, 4] });
  });
});
