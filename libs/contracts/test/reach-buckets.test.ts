import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DELIVERY_STATE_RANK,
  DELIVERY_STATES,
  NOT_REACHED_DELIVERY_STATES,
  REACHED_DELIVERY_STATES,
} from '../src/index.js';

test('reached and not reached are disjoint and leave out only expired and cancelled', () => {
  const both = REACHED_DELIVERY_STATES.filter((s) => NOT_REACHED_DELIVERY_STATES.includes(s));
  assert.deepEqual(both, []);
  const neither = DELIVERY_STATES.filter(
    (s) => !REACHED_DELIVERY_STATES.includes(s) && !NOT_REACHED_DELIVERY_STATES.includes(s),
  );
  assert.deepEqual(neither, ['expired', 'cancelled']);
});

test('a reached delivery only moves to reached states: answering cannot be undone', () => {
  const received = DELIVERY_STATE_RANK.received;
  for (const s of REACHED_DELIVERY_STATES) assert.ok(DELIVERY_STATE_RANK[s] >= received, s);
  for (const s of NOT_REACHED_DELIVERY_STATES) assert.ok(DELIVERY_STATE_RANK[s] < received, s);
});
