import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { createLogger } from '@roadcast/observability';
import { isStatusTopic, parseStatus } from '../src/ingest/parse-status.js';
import { StatusRejections } from '../src/ingest/status-rejections.js';

const at = '2026-11-29T10:00:00.000Z';
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

test('takes the vehicle id from the topic, and what the report leaves out as null or empty', () => {
  assert.deepEqual(
    parseStatus(
      'vehicles/RCDEV000000000001/status',
      body({
        softwareVersion: '2.0.0',
        components: [{ id: 'head-unit', version: '2.0.0' }],
        boot: { health: 'unhealthy', bootedAt: at },
        at,
      }),
    ),
    {
      ok: true,
      report: {
        vehicleId: 'RCDEV000000000001',
        reportedAt: at,
        softwareVersion: '2.0.0',
        components: [{ id: 'head-unit', version: '2.0.0' }],
        bootHealth: 'unhealthy',
        bootedAt: at,
      },
    },
  );
  assert.deepEqual(parseStatus('vehicles/V/status', body({ at })), {
    ok: true,
    report: {
      vehicleId: 'V',
      reportedAt: at,
      softwareVersion: null,
      components: [],
      bootHealth: null,
      bootedAt: null,
    },
  });
});

test('refuses other topics, broken JSON and reports outside the contract', () => {
  const cases: Array<[string, string, Buffer, 'topic' | 'json' | 'schema']> = [
    ['an ack topic', 'vehicles/V/ota/acks', body({ at }), 'topic'],
    ['a deeper topic', 'vehicles/V/status/extra', body({ at }), 'topic'],
    ['no vehicle id', 'vehicles//status', body({ at }), 'topic'],
    ['broken JSON', 'vehicles/V/status', Buffer.from('{'), 'json'],
    ['no time', 'vehicles/V/status', body({ components: [] }), 'schema'],
    [
      'a component without version',
      'vehicles/V/status',
      body({ components: [{ id: 'x' }], at }),
      'schema',
    ],
    [
      'an unknown health',
      'vehicles/V/status',
      body({ boot: { health: 'ok', bootedAt: at }, at }),
      'schema',
    ],
    ['another vehicle named inside', 'vehicles/V/status', body({ vehicleId: 'W', at }), 'schema'],
    [
      'too many components',
      'vehicles/V/status',
      body({
        components: Array.from({ length: 65 }, (_, i) => ({ id: `c${i}`, version: '1' })),
        at,
      }),
      'schema',
    ],
  ];
  for (const [label, topic, payload, problem] of cases)
    assert.deepEqual(parseStatus(topic, payload), { ok: false, problem }, label);
  assert.equal(isStatusTopic('vehicles/V/status'), true);
  assert.equal(isStatusTopic('vehicles/V/ota/acks'), false);
});

test('rejections are counted by reason: unregistered vehicles and superseded reports', async () => {
  const registry = new Registry();
  const ignored = new Counter({
    name: 'status_ignored_test',
    help: 'test',
    labelNames: ['reason'],
    registers: [registry],
  });
  const rejections = new StatusRejections({
    logger: createLogger({ service: 'tracker-test', level: 'silent' }),
    ignored,
  });
  // A and B registered; B sent twice (one superseded); C unknown; A's report was older.
  rejections.unstored(
    [{ vehicleId: 'A' }, { vehicleId: 'B' }, { vehicleId: 'B' }, { vehicleId: 'C' }],
    ['A', 'B'],
    ['B'],
  );
  rejections.invalid('json', 'vehicles/A/status', 'broker-1');
  const values = Object.fromEntries(
    (await ignored.get()).values.map((v) => [v.labels.reason, v.value]),
  );
  assert.deepEqual(values, { unknown_vehicle: 1, stale: 2, json: 1 });
  rejections.close();
});
