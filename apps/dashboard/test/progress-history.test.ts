import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DELIVERY_STATES, normaliseCounts, percentOf } from '../src/delivery-states.js';
import { ProgressHistory } from '../src/progress-history.js';
import { readPolicyDraft } from '../src/policy-draft.js';

test('samples stay in time order, a repeated instant replaces, and the cap drops the oldest', () => {
  const history = new ProgressHistory(3);
  history.record('c', 2_000, { installed: 2 });
  history.record('c', 1_000, { installed: 1 });
  history.record('c', 2_000, { installed: 3 });
  history.record('c', 4_000, { installed: 4 });
  history.record('c', 5_000, { installed: 5 });
  assert.deepEqual(
    history.samples('c').map((s) => [s.at, s.counts.installed]),
    [
      [2_000, 3],
      [4_000, 4],
      [5_000, 5],
    ],
  );
  assert.deepEqual(history.samples('other'), []);
});

test('counts from events get every state; junk becomes zero', () => {
  const counts = normaliseCounts({ installed: '7', failed: -1, pending: 'x' });
  assert.equal(counts.installed, 7);
  assert.equal(counts.failed, 0);
  assert.equal(counts.pending, 0);
  assert.equal(Object.keys(counts).length, DELIVERY_STATES.length);
});

test('percentages round down so 100% only shows when all are done', () => {
  assert.equal(percentOf(999, 1000), 99.9);
  assert.equal(percentOf(9999, 10000), 99.9);
  assert.equal(percentOf(5, 5), 100);
  assert.equal(percentOf(1, 0), 0);
});

test('the policy editor accepts a JSON object only', () => {
  assert.deepEqual(readPolicyDraft('{"limits": {}}'), { ok: true, document: { limits: {} } });
  assert.equal(readPolicyDraft('{"limits": ').ok, false);
  assert.equal(readPolicyDraft('[1]').ok, false);
  assert.equal(readPolicyDraft('null').ok, false);
});
