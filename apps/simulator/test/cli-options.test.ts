import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSimulatorArgs } from '../src/cli-options.js';
import { progressLine } from '../src/progress-line.js';

test('defaults describe a small fleet with some tunnels and no failures', () => {
  const o = parseSimulatorArgs([]);
  assert.equal(o.vehicles, 100);
  assert.equal(o.tunnelShare, 0.3);
  assert.deepEqual(o.offlineMs, [2_000, 20_000]);
  assert.equal(o.failureRate, 0);
  assert.equal(o.failedAttempts, Infinity);
  assert.equal(o.stallRate, 0);
  assert.equal(o.protocolVersion, 5);
  assert.deepEqual(o.waves, [{ percent: 100 }]);
});

test('reads ranges, shares, waves and flags', () => {
  const o = parseSimulatorArgs([
    '--vehicles',
    '5000',
    '--offline-ms',
    '100-900',
    '--install-ms',
    '250',
    '--failure-rate',
    '0.02',
    '--failed-attempts',
    '1',
    '--stall-rate',
    '0.1',
    '--waves',
    '10,50,100',
    '--protocol',
    '4',
    '--register',
    '--campaign',
  ]);
  assert.equal(o.vehicles, 5_000);
  assert.deepEqual(o.offlineMs, [100, 900]);
  assert.deepEqual(o.installStepMs, [250, 250]);
  assert.equal(o.failureRate, 0.02);
  assert.equal(o.failedAttempts, 1);
  assert.equal(o.stallRate, 0.1);
  assert.deepEqual(
    o.waves.map((w) => w.percent),
    [10, 50, 100],
  );
  assert.equal(o.protocolVersion, 4);
  assert.equal(o.register && o.campaign, true);
});

test('refuses values that make no sense, saying which option is wrong', () => {
  assert.throws(() => parseSimulatorArgs(['--vehicles', '0']), /--vehicles/);
  assert.throws(() => parseSimulatorArgs(['--failure-rate', '1.5']), /--failure-rate/);
  assert.throws(() => parseSimulatorArgs(['--failed-attempts', '0']), /--failed-attempts/);
  assert.throws(() => parseSimulatorArgs(['--stall-rate', '-1']), /--stall-rate/);
  assert.throws(() => parseSimulatorArgs(['--offline-ms', '900-100']), /--offline-ms/);
  assert.throws(() => parseSimulatorArgs(['--waves', '50,40,100']), /--waves/);
  assert.throws(() => parseSimulatorArgs(['--waves', '50']), /--waves/);
  assert.throws(() => parseSimulatorArgs(['--bogus']), /bogus/);
});

test('the progress line shows the fleet and the platform side by side', () => {
  const line = progressLine(
    75,
    {
      vehicles: 10,
      connected: 7,
      notices: 9,
      installed: 6,
      failed: 1,
      rejected: 0,
      duplicates: 4,
      tunnels: 3,
    },
    {
      status: 'running',
      counts: {
        published: 1,
        parked: 1,
        received: 1,
        verifying: 1,
        installed: 6,
        failed: 1,
        timed_out: 2,
      },
    },
  );
  assert.match(line, /^01:15 {2}online 7\/10 {2}told 9 {2}installed 6 {2}failed 1/);
  assert.match(
    line,
    /campaign running: waiting 2, working 2, installed 6, failed 1, timed out 2, expired 0/,
  );
});
