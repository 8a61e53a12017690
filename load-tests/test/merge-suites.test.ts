import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertSameMachine,
  MachineMismatchError,
  mergeSuites,
} from '../src/runner/merge-suites.js';
import { outcome, result, suite } from './fixtures.js';

const rate = (scenario: string, value: number) =>
  result(scenario, [{ name: 'rate', value, unit: 'msg/s' }]);

describe('merging separate runs into one report', () => {
  it('keeps every scenario, the last one with results winning, and spans both runs', () => {
    const quick = suite(
      [
        outcome('acks', [rate('acks', 1), rate('acks', 2), rate('acks', 3)]),
        outcome('tunnel-storm', []),
      ],
      {
        command: 'npm run bench -- all --repeat 3',
        settings: { repeat: 3, smoke: false },
        startedAt: '2026-11-21T10:00:00.000Z',
        finishedAt: '2026-11-21T10:30:00.000Z',
        missing: ['api'],
      },
    );
    const long = suite(
      [
        outcome('tunnel-storm', [rate('tunnel-storm', 9)]),
        outcome('scaling', [rate('scaling', 5)]),
      ],
      {
        command: 'npm run bench -- tunnel-storm scaling',
        settings: { repeat: 1, smoke: false },
        startedAt: '2026-11-21T11:00:00.000Z',
        finishedAt: '2026-11-21T11:40:00.000Z',
      },
    );
    const merged = mergeSuites([quick, long]);
    assert.deepEqual(
      merged.scenarios.map((s) => [s.name, s.runs.length]),
      [
        ['acks', 3],
        ['tunnel-storm', 1],
        ['scaling', 1],
      ],
    );
    assert.equal(merged.startedAt, '2026-11-21T10:00:00.000Z');
    assert.equal(merged.finishedAt, '2026-11-21T11:40:00.000Z');
    assert.equal(
      merged.command,
      'npm run bench -- all --repeat 3 ; npm run bench -- tunnel-storm scaling',
    );
    assert.equal(merged.settings.repeat, 1);
    assert.deepEqual(merged.missing, ['api']);
    assert.deepEqual(
      merged.merged?.map((m) => [m.command, m.scenarios]),
      [
        ['npm run bench -- all --repeat 3', ['acks']],
        ['npm run bench -- tunnel-storm scaling', ['tunnel-storm', 'scaling']],
      ],
    );
  });

  it('refuses runs from different machines', () => {
    const a = suite([]);
    const b = suite([], { machine: { ...a.machine, cpus: 8 } });
    assert.throws(() => mergeSuites([a, b]), /different machines.*CPUs 2 vs 8/);
    const otherKernel = suite([], { machine: { ...a.machine, os: 'linux 6.18.44-fc-v595 x64' } });
    assert.throws(() => mergeSuites([a, otherKernel]), MachineMismatchError);
  });

  it('refuses a results file whose runs were measured elsewhere, whatever its header says', () => {
    const pasted = suite([
      outcome('tunnel-storm', [
        result('tunnel-storm', [{ name: 'time', value: 78.7, unit: 's' }], {
          machine: { cpus: 2, memoryGiB: 8, node: 'v20.20.0', cpuModel: 'Other CPU' },
        }),
      ]),
    ]);
    assert.throws(
      () => assertSameMachine([pasted]),
      /tunnel-storm .* another machine: CPU model Test CPU vs Other CPU/,
    );
    assert.throws(() => mergeSuites([suite([]), pasted]), MachineMismatchError);
  });
});
