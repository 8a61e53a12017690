import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAck } from '../src/ingest/parse-ack.js';

const noticeId = '6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b';
const body = (extra: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({ noticeId, state: 'installed', at: '2026-11-21T10:00:00.000Z', ...extra }),
  );

test('takes the vehicle id from the topic and keeps the reason', () => {
  assert.deepEqual(
    parseAck('vehicles/RCDEV000000000001/ota/acks', body({ state: 'failed', reason: 'disk full' })),
    {
      ok: true,
      ack: { vehicleId: 'RCDEV000000000001', noticeId, state: 'failed', reason: 'disk full' },
    },
  );
});

test('refuses other topics, broken JSON and acks outside the contract', () => {
  assert.deepEqual(parseAck('vehicles/RCDEV000000000001/status', body()), {
    ok: false,
    problem: 'topic',
  });
  assert.deepEqual(parseAck('vehicles//ota/acks', body()), { ok: false, problem: 'topic' });
  assert.deepEqual(parseAck('vehicles/V/ota/acks', Buffer.from('{')), {
    ok: false,
    problem: 'json',
  });
  assert.deepEqual(parseAck('vehicles/V/ota/acks', body({ state: 'expired' })), {
    ok: false,
    problem: 'schema',
  });
  assert.deepEqual(parseAck('vehicles/V/ota/acks', body({ vehicleId: 'OTHER' })), {
    ok: false,
    problem: 'schema',
  });
});
