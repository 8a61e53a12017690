import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { CampaignOptions, Rollout } from '@roadcast/contracts';
import { parseSimulatorArgs, USAGE } from '../src/cli-options.js';
import { SCENARIOS, applyScenario, isParked, windowSoon } from '../src/scenarios.js';

const NOW = new Date('2026-03-02T23:55:20Z');

test('a scenario sets fleet knobs and the campaign, and registers and creates a campaign', () => {
  const o = parseSimulatorArgs(['--scenario', 'retry'], NOW);
  assert.equal(o.scenario, 'retry');
  assert.equal(o.register && o.campaign, true);
  assert.equal(o.failureRate, 0.3);
  assert.equal(o.failedAttempts, 1);
  assert.deepEqual(o.campaignOptions, { retry: { maxAttempts: 3, backoffSeconds: 10 } });
  assert.deepEqual(o.waves, [{ percent: 100, failureThreshold: 0.5 }]);
  // Knobs the scenario leaves alone keep their defaults.
  assert.equal(o.vehicles, 100);
  assert.equal(o.tunnelShare, 0.3);
});

test('options given on the command line win over the scenario, wherever they stand', () => {
  const before = parseSimulatorArgs(['--failure-rate', '0.05', '--scenario', 'abort'], NOW);
  const after = parseSimulatorArgs(['--scenario', 'abort', '--failure-rate', '0.05'], NOW);
  assert.equal(before.failureRate, 0.05);
  assert.equal(after.failureRate, 0.05);
  assert.deepEqual(after.campaignOptions, { onFailureThreshold: 'cancel' });

  // --waves replaces the scenario's waves (and their settings) with plain ones.
  const waves = parseSimulatorArgs(['--scenario', 'approval', '--waves', '25,100'], NOW);
  assert.deepEqual(waves.waves, [{ percent: 25 }, { percent: 100 }]);

  // --observe-boot replaces the scenario's healthy-boot observation.
  const boot = parseSimulatorArgs(['--scenario', 'healthy-boot', '--observe-boot', '5'], NOW);
  assert.deepEqual(boot.campaignOptions.healthyBoot, { observationSeconds: 5 });
  assert.equal(boot.bootFailureRate, 0.2);

  // An explicit value equal to the default still wins: it was given.
  const stall = parseSimulatorArgs(['--scenario', 'timeouts', '--stall-rate', '0'], NOW);
  assert.equal(stall.stallRate, 0);
  assert.equal(stall.campaignOptions.inProgressTimeout, 30);
});

test('the merge lays defaults, then the scenario, then explicit values', () => {
  const merged = applyScenario(
    'reachability',
    { 'parked-share': '0', 'tunnel-share': '0.3', waves: '100' },
    { 'tunnel-share': '0.1', 'parked-share': undefined },
    NOW,
  );
  assert.deepEqual(merged.flags, {
    'parked-share': '0.3',
    'tunnel-share': '0.1',
    waves: '100',
    register: true,
    campaign: true,
  });
  assert.deepEqual(merged.options, { thresholdBasis: 'reached' });
  assert.equal(merged.waves?.length, 3);

  const plain = applyScenario(undefined, { waves: '100' }, { waves: '50,100' }, NOW);
  assert.deepEqual(plain, {
    flags: { waves: '50,100' },
    waves: undefined,
    options: {},
    lateRegistration: undefined,
  });
});

test('an unknown scenario is refused with the list of valid ones', () => {
  assert.throws(
    () => parseSimulatorArgs(['--scenario', 'chaos']),
    (err: Error) => {
      assert.match(err.message, /--scenario: unknown scenario 'chaos'/);
      for (const name of Object.keys(SCENARIOS)) assert.ok(err.message.includes(name), name);
      return true;
    },
  );
  assert.throws(() => applyScenario('toString', {}, {}, NOW), /unknown scenario 'toString'/);
});

test('every scenario asks for a campaign the API accepts, and --help describes it', () => {
  for (const name of Object.keys(SCENARIOS)) {
    const o = parseSimulatorArgs(['--scenario', name], NOW);
    assert.ok(Value.Check(Rollout, { waves: o.waves }), `${name}: waves`);
    assert.ok(Value.Check(CampaignOptions, o.campaignOptions), `${name}: options`);
    assert.match(USAGE, new RegExp(`^ {2}${name} +\\S`, 'm'), `${name} in --help`);
  }
  assert.equal(parseSimulatorArgs(['--scenario', 'dynamic'], NOW).campaignOptions.dynamic, true);
  assert.deepEqual(parseSimulatorArgs(['--scenario', 'dynamic'], NOW).lateRegistration, {
    share: 0.5,
    afterSeconds: 30,
  });
  const approval = parseSimulatorArgs(['--scenario', 'approval'], NOW);
  assert.deepEqual(
    approval.waves.map((w) => w.requiresApproval === true),
    [false, true, false],
  );
});

test('the maintenance window opens a couple of minutes after the start, in UTC, across midnight', () => {
  assert.deepEqual(windowSoon(NOW, 2, 10), {
    days: [1, 2, 3, 4, 5, 6, 7],
    start: '23:58',
    end: '00:08',
  });
  const o = parseSimulatorArgs(['--scenario', 'window'], NOW);
  assert.deepEqual(o.campaignOptions.maintenanceWindows, [windowSoon(NOW, 2, 10)]);
});

test('parked vehicles are the given share, spread over the fleet', () => {
  const parked = Array.from({ length: 100 }, (_, i) => isParked(i, 0.3));
  assert.equal(parked.filter(Boolean).length, 30);
  assert.equal(parked.slice(0, 10).filter(Boolean).length, 3);
  assert.equal(Array.from({ length: 50 }, (_, i) => isParked(i, 0)).some(Boolean), false);
  assert.equal(parseSimulatorArgs(['--scenario', 'reachability']).parkedShare, 0.3);
  assert.throws(() => parseSimulatorArgs(['--parked-share', '1']), /--parked-share/);
});
