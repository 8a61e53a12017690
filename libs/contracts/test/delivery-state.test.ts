import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import {
  Ack,
  DELIVERY_STATES,
  ackTopic,
  isForwardTransition,
  noticeTopic,
  statusTopic,
  vehicleIdOfTopic,
} from '../src/index.js';

test('states advance forward only', () => {
  assert.equal(isForwardTransition('pending', 'published'), true);
  assert.equal(isForwardTransition('pending', 'parked'), true);
  assert.equal(isForwardTransition('parked', 'published'), true);
  assert.equal(isForwardTransition('published', 'parked'), true);
  assert.equal(isForwardTransition('published', 'received'), true);
  assert.equal(isForwardTransition('received', 'installed'), true);
  assert.equal(isForwardTransition('installing', 'downloading'), false);
  assert.equal(isForwardTransition('received', 'published'), false);
  assert.equal(isForwardTransition('received', 'received'), false);
  assert.equal(isForwardTransition('downloading', 'failed'), true);
  assert.equal(isForwardTransition('pending', 'cancelled'), true);
});

test('terminal states never change', () => {
  for (const from of ['installed', 'failed', 'rejected', 'expired', 'cancelled'] as const) {
    for (const to of DELIVERY_STATES)
      assert.equal(isForwardTransition(from, to), false, `${from} -> ${to}`);
  }
});

test('topics name the vehicle', () => {
  assert.equal(noticeTopic('V1'), 'vehicles/V1/ota/notices');
  assert.equal(ackTopic('V1'), 'vehicles/V1/ota/acks');
  assert.equal(statusTopic('V1'), 'vehicles/V1/status');
  assert.equal(vehicleIdOfTopic('vehicles/V1/ota/acks'), 'V1');
  assert.equal(vehicleIdOfTopic('other/V1/ota/acks'), undefined);
});

test('ack schema accepts the documented shape and nothing else', () => {
  const ack = {
    noticeId: '6f1c2a44-9d0b-4c8e-9a51-2f3b4c5d6e7f',
    state: 'installed',
    at: '2026-11-21T11:00:00Z',
  };
  assert.equal(Value.Check(Ack, ack), true);
  assert.equal(Value.Check(Ack, { ...ack, state: 'published' }), false);
  assert.equal(Value.Check(Ack, { ...ack, at: 'yesterday' }), false);
});
