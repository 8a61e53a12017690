import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DELIVERY_OPERATIONS,
  DELIVERY_STATES,
  FAILURE_DELIVERY_STATES,
  TERMINAL_DELIVERY_STATES,
  canTransition,
  isForwardTransition,
  type DeliveryOperationName,
} from '../src/index.js';

const OPERATIONS = Object.keys(DELIVERY_OPERATIONS) as DeliveryOperationName[];

test('only a retry takes a delivery out of a terminal state, and only out of a failure', () => {
  for (const operation of OPERATIONS) {
    for (const from of TERMINAL_DELIVERY_STATES) {
      for (const to of DELIVERY_STATES) {
        const allowed = canTransition(operation, from, to);
        if (operation === 'retry') {
          assert.equal(allowed, FAILURE_DELIVERY_STATES.includes(from) && to === 'pending');
        } else {
          assert.equal(allowed, false, `${operation}: ${from} -> ${to}`);
        }
      }
    }
  }
});

test("a vehicle's reports follow its own forward rule, and only a healthy boot ends a verification in success", () => {
  for (const from of DELIVERY_STATES) {
    for (const to of DELIVERY_OPERATIONS.applyAcks.to) {
      const expected =
        isForwardTransition(from, to) && !(from === 'verifying' && to === 'installed');
      assert.equal(canTransition('applyAcks', from, to), expected, `${from} -> ${to}`);
    }
  }
  assert.equal(canTransition('verifyBoot', 'verifying', 'installed'), true);
  assert.equal(canTransition('applyAcks', 'installing', 'verifying'), true);
});

test('timeouts apply only after the vehicle reported progress', () => {
  for (const from of ['pending', 'published', 'parked'] as const)
    assert.equal(canTransition('timeOut', from, 'timed_out'), false);
  for (const from of ['received', 'downloading', 'installing', 'verifying'] as const)
    assert.equal(canTransition('timeOut', from, 'timed_out'), true);
});
