import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runSuite } from '../src/runner/run-suite.js';
import type { Scenario, ScenarioResult } from '../src/scenario.js';
import { scenarioMachine } from '../src/runner/machine.js';
import { result as fixture } from './fixtures.js';

// The runner refuses results from another machine, so these scenarios report this one.
const result: typeof fixture = (name, measurements, extra = {}) =>
  fixture(name, measurements, { machine: scenarioMachine(), ...extra });

const outDir = mkdtempSync(join(tmpdir(), 'roadcast-run-suite-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

function scenario(name: string, run: Scenario['run']): Scenario {
  return { name, description: `${name} scenario`, run };
}

describe('suite runner', () => {
  it('runs each scenario K times, keeps going past failures and records why', async () => {
    let calls = 0;
    const seenDirs: string[] = [];
    const runIndexes: number[] = [];
    const steady = scenario('steady', async (options) => {
      calls += 1;
      runIndexes.push(options.runIndex ?? -1);
      seenDirs.push(options.outDir);
      options.progress?.(1, 2, 'half');
      return result('steady', [{ name: 'rate', value: 10 * calls, unit: 'msg/s' }]);
    });
    let flakyCalls = 0;
    const flaky = scenario('flaky', async () => {
      flakyCalls += 1;
      if (flakyCalls === 2) throw new Error('broker went away');
      return result('flaky', [{ name: 'rate', value: 1, unit: 'msg/s' }]);
    });
    const broken = scenario('broken', async () =>
      result('broken', [{ name: 'rate', value: NaN, unit: 'msg/s' }]),
    );
    const shapeless = scenario(
      'shapeless',
      async () => ({ nothing: true }) as unknown as ScenarioResult,
    );
    const updates: string[][] = [];

    const suite = await runSuite({
      scenarios: [steady, flaky, broken, shapeless],
      outDir,
      command: 'bench test',
      repeat: 3,
      smoke: true,
      onUpdate: (s) => updates.push(s.scenarios.map((o) => `${o.name}:${o.status}`)),
    });

    assert.deepEqual(
      suite.scenarios.map((s) => [s.name, s.status, s.runs.length, s.errors.length]),
      [
        ['steady', 'ok', 3, 0],
        ['flaky', 'partial', 2, 1],
        ['broken', 'failed', 0, 3],
        ['shapeless', 'failed', 0, 3],
      ],
    );
    assert.deepEqual(runIndexes, [0, 1, 2]);
    assert.equal(suite.scenarios[0]?.aggregate.measurements[0]?.value.median, 20);
    assert.match(suite.scenarios[1]?.errors[0] ?? '', /^run 2: Error: broker went away/);
    assert.match(suite.scenarios[2]?.errors[0] ?? '', /'rate' value is not a finite number/);
    assert.deepEqual(
      seenDirs,
      [1, 2, 3].map((k) => join(outDir, 'steady', `run-${k}`)),
    );
    assert.ok(existsSync(join(outDir, 'steady', 'run-2', 'result.json')));
    assert.equal(
      JSON.parse(readFileSync(join(outDir, 'steady', 'run-2', 'result.json'), 'utf8'))
        .measurements[0].value,
      20,
    );
    // A scenario in progress shows as interrupted until its last run has ended.
    assert.deepEqual(updates[1], ['steady:interrupted']);
    assert.deepEqual(updates[3], ['steady:ok']);
    assert.equal(updates.length, 1 + 4 * 3);
    assert.ok(suite.finishedAt);
    assert.equal(suite.machine.cpus > 0, true);
  });
});

describe('suite runner machine check', () => {
  it('refuses a result that says it was measured on another machine', async () => {
    const elsewhere = scenario('elsewhere', async () =>
      fixture('elsewhere', [{ name: 'rate', value: 1, unit: 'msg/s' }], {
        machine: { ...scenarioMachine(), cpuModel: 'Another CPU' },
      }),
    );
    const suite = await runSuite({
      scenarios: [elsewhere],
      outDir: join(outDir, 'machine'),
      command: 'bench test',
      repeat: 1,
      smoke: true,
    });
    assert.equal(suite.scenarios[0]?.status, 'failed');
    assert.match(suite.scenarios[0]?.errors[0] ?? '', /another machine: CPU model/);
  });
});

describe('suite runner time limit', () => {
  it('gives up on a run that does not end in time and goes on with the next', async () => {
    const stuck = scenario('stuck', () => new Promise<ScenarioResult>(() => undefined));
    const next = scenario('next', async () =>
      result('next', [{ name: 'rate', value: 1, unit: 'msg/s' }]),
    );
    const suite = await runSuite({
      scenarios: [stuck, next],
      outDir: join(outDir, 'time-limit'),
      command: 'bench test',
      repeat: 1,
      smoke: true,
      timeoutS: 0.05,
    });
    assert.deepEqual(
      suite.scenarios.map((s) => [s.name, s.status]),
      [
        ['stuck', 'failed'],
        ['next', 'ok'],
      ],
    );
    assert.match(suite.scenarios[0]?.errors[0] ?? '', /timed out after 0\.05 s/);
  });
});
