import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resultProblems } from '../src/runner/validate-result.js';
import type { Scenario } from '../src/scenario.js';

/**
 * Runs one scenario at its smoke size and checks that it returned a result the report can
 * use: well-formed, named after the scenario, every figure finite. Speed is not judged.
 */
export async function assertSmokeRun(scenario: Scenario, outDir: string): Promise<void> {
  const progress: number[] = [];
  const result = await scenario.run({
    outDir: join(outDir, scenario.name),
    smoke: true,
    progress: (done, total) => progress.push(done, total),
  });
  assert.deepEqual(resultProblems(result), []);
  assert.equal(result.scenario, scenario.name);
  for (const m of result.measurements) {
    assert.ok(Number.isFinite(m.value), `${m.name} = ${m.value}`);
    if (m.ratio !== undefined) assert.ok(Number.isFinite(m.ratio), `${m.name} ratio = ${m.ratio}`);
  }
  assert.ok(progress.every(Number.isFinite));
}

/** Scenarios that re-run other scenarios get a test file (and a time budget) of their own. */
export const COMPOSITE_SCENARIOS = new Set(['scaling']);
