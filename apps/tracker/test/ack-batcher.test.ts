import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@roadcast/observability';
import { AckBatcher } from '../src/ingest/ack-batcher.js';
import type { ParsedAck } from '../src/ingest/parse-ack.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const ack = (n: number): ParsedAck => ({
  vehicleId: `V${n}`,
  noticeId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  state: 'received',
  reason: null,
});

test('releases acks only after their batch committed, retrying a failed batch as a whole', async () => {
  const released: number[] = [];
  const calls: number[][] = [];
  let failures = 1;
  const batcher = new AckBatcher({
    batchSize: 3,
    flushIntervalMs: 10_000,
    retryDelayMs: 20,
    logger,
    apply: async (acks) => {
      calls.push(acks.map((a) => Number(a.vehicleId.slice(1))));
      if (failures-- > 0) throw new Error('database unavailable');
      return [];
    },
  });
  for (const n of [1, 2, 3, 4]) batcher.add({ ack: ack(n), release: () => released.push(n) });
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(released, [], 'nothing released while the first attempt failed');
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(released, [1, 2, 3]);
  assert.deepEqual(calls, [
    [1, 2, 3],
    [1, 2, 3],
  ]);
  await batcher.close();
  assert.deepEqual(released, [1, 2, 3, 4], 'close applies what is waiting');
});

test('flushes a partial batch after the flush interval', async () => {
  const released: number[] = [];
  const batcher = new AckBatcher({
    batchSize: 100,
    flushIntervalMs: 30,
    logger,
    apply: async () => [],
  });
  batcher.add({ ack: ack(1), release: () => released.push(1) });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(released, []);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(released, [1]);
  await batcher.close();
});

test('applies up to `concurrency` full batches at once', async () => {
  let running = 0;
  let peak = 0;
  const released: number[] = [];
  const batcher = new AckBatcher({
    batchSize: 2,
    flushIntervalMs: 10_000,
    concurrency: 2,
    logger,
    apply: async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 30));
      running -= 1;
      return [];
    },
  });
  for (const n of [1, 2, 3, 4, 5, 6]) batcher.add({ ack: ack(n), release: () => released.push(n) });
  await batcher.close();
  assert.equal(peak, 2);
  assert.deepEqual(released.sort(), [1, 2, 3, 4, 5, 6]);
});
