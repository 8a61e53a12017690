import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseBenchArgs, UsageError } from '../src/runner/args.js';

const NAMES = ['mqtt-baseline', 'fanout', 'scaling'];

describe('bench command line', () => {
  it('reads a scenario and every option', () => {
    const args = parseBenchArgs(
      [
        'fanout',
        '--vehicles',
        '100000',
        '--duration=2.5',
        '--repeat',
        '3',
        '--out',
        '/tmp/x',
        '--smoke',
      ],
      NAMES,
    );
    assert.deepEqual(args, {
      scenarios: ['fanout'],
      all: false,
      vehicles: 100_000,
      durationS: 2.5,
      repeat: 3,
      outDir: '/tmp/x',
      smoke: true,
      publish: false,
      help: false,
    });
  });

  it('expands all into every scenario, in suite order, without repeats', () => {
    const args = parseBenchArgs(['fanout,all'], NAMES);
    assert.deepEqual(args.scenarios, ['fanout', 'mqtt-baseline', 'scaling']);
    assert.equal(args.all, true);
    assert.equal(args.repeat, 1);
  });

  it('re-renders an earlier run without naming a scenario', () => {
    const args = parseBenchArgs(
      ['--report', 'out/a,out/b', '--publish', '--timeout', '600'],
      NAMES,
    );
    assert.deepEqual(args.reportDirs, ['out/a', 'out/b']);
    assert.equal(args.timeoutS, 600);
    assert.equal(args.publish, true);
    assert.deepEqual(args.scenarios, []);
  });

  it('refuses an unknown scenario and lists the valid names', () => {
    assert.throws(
      () => parseBenchArgs(['fanuot'], NAMES),
      (err: unknown) =>
        err instanceof UsageError &&
        err.exitCode === 2 &&
        /Unknown scenario 'fanuot'/.test(err.message) &&
        /Valid names: all, mqtt-baseline, fanout, scaling/.test(err.message) &&
        /Did you mean 'fanout'\?/.test(err.message),
    );
  });

  it('refuses bad numbers, unknown options and a missing scenario', () => {
    for (const argv of [
      ['fanout', '--repeat', '0'],
      ['fanout', '--vehicles', 'many'],
      ['fanout', '--duration', '-1'],
      ['fanout', '--fast'],
      [],
    ]) {
      assert.throws(() => parseBenchArgs(argv, NAMES), UsageError, argv.join(' '));
    }
  });

  it('exits with code 2 and names the valid scenarios when the scenario does not exist', () => {
    const cli = join(import.meta.dirname, '../src/cli.ts');
    const child = spawnSync(process.execPath, ['--import', 'tsx', cli, 'no-such-scenario'], {
      encoding: 'utf8',
    });
    assert.equal(child.status, 2);
    assert.match(
      child.stderr,
      /Unknown scenario 'no-such-scenario'\. Valid names: all, .*mqtt-baseline/,
    );
  });
});
