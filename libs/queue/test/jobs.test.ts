import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnrecoverableError } from 'bullmq';
import {
  cappedExponentialBackoff,
  chunk,
  FanoutJob,
  jobPriority,
  parseJobData,
  RepublishJob,
} from '../src/index.js';

test('a valid payload passes through; an invalid one fails the job for good', () => {
  const data = {
    campaignId: '0b7e2d11-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    wave: 0,
    deliveryIds: [1, 2, 3],
  };
  assert.deepEqual(parseJobData(FanoutJob, data, 'fanout'), data);
  for (const bad of [
    {},
    { ...data, deliveryIds: [] },
    { ...data, campaignId: 'x' },
    { deliveryIds: [1], reason: 'later' },
  ]) {
    assert.throws(() => parseJobData(FanoutJob, bad, 'fanout'), UnrecoverableError);
  }
  assert.throws(
    () => parseJobData(RepublishJob, { deliveryIds: [1], reason: 'later' }, 'republish'),
    /reason/,
  );
});

test('higher campaign priority means a lower BullMQ priority number, never 0', () => {
  assert.equal(jobPriority(1000), 1);
  assert.equal(jobPriority(0), 1001);
  assert.ok(jobPriority(10) < jobPriority(5));
  assert.equal(jobPriority(-5), 1001);
  assert.equal(jobPriority(5000), 1);
});

test('backoff grows exponentially with jitter and stays under its ceiling', () => {
  const backoff = cappedExponentialBackoff({ baseMs: 100, maxMs: 1_000 });
  for (let attempt = 1; attempt <= 20; attempt += 1) {
    const ceiling = Math.min(1_000, 100 * 2 ** (attempt - 1));
    const delay = backoff(attempt) as number;
    assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt}: ${delay}`);
  }
});

test('chunk splits into batches of at most the given size', () => {
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(chunk([], 3), []);
});
