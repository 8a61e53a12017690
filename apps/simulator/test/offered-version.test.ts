import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSimulatorArgs } from '../src/cli-options.js';
import { nextVersion } from '../src/offered-version.js';

test('a run offers the next major version after the newest the vehicles run', () => {
  assert.equal(nextVersion(['1.0.0', '1.0.0']), '2.0.0');
  assert.equal(nextVersion(['1.0.0', '2.0.0', undefined]), '3.0.0');
  assert.equal(nextVersion(['2.4.1', '2.10.0']), '3.0.0');
  assert.equal(nextVersion([undefined]), '2.0.0');
  assert.equal(nextVersion(['beta']), 'beta.1');
});

test('the offered version is derived unless --update-version names one', () => {
  assert.equal(parseSimulatorArgs([]).updateVersion, undefined);
  assert.equal(parseSimulatorArgs(['--update-version', '7.1.0']).updateVersion, '7.1.0');
});

test('boot failures and healthy-boot observation are options, off by default', () => {
  const defaults = parseSimulatorArgs([]);
  assert.equal(defaults.bootFailureRate, 0);
  assert.equal(defaults.observeBootS, 0);
  const o = parseSimulatorArgs(['--boot-failure-rate', '0.2', '--observe-boot', '30']);
  assert.equal(o.bootFailureRate, 0.2);
  assert.equal(o.observeBootS, 30);
  assert.throws(() => parseSimulatorArgs(['--boot-failure-rate', '2']), /from 0 to 1/);
});
