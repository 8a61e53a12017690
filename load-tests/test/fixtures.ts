import type { ScenarioOutcome, SuiteResult } from '../src/runner/run-suite.js';
import { aggregateRuns } from '../src/runner/aggregate.js';
import type { Measurement, ScenarioResult, Series } from '../src/scenario.js';

/** A scenario result as a scenario would return it, with only what a test cares about given. */
export function result(
  scenario: string,
  measurements: Measurement[],
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  return {
    scenario,
    startedAt: '2026-11-21T10:00:00.000Z',
    machine: { cpus: 2, memoryGiB: 8, node: 'v20.20.0', cpuModel: 'Test CPU' },
    parameters: { vehicles: 1000 },
    measurements,
    notes: [],
    ...extra,
  };
}

export function outcome(
  name: string,
  runs: ScenarioResult[],
  errors: string[] = [],
): ScenarioOutcome {
  return {
    name,
    description: `${name} description`,
    status: errors.length === 0 ? 'ok' : runs.length > 0 ? 'partial' : 'failed',
    runs,
    errors,
    aggregate: aggregateRuns(runs),
    durationMs: 1234,
  };
}

export function suite(scenarios: ScenarioOutcome[], extra: Partial<SuiteResult> = {}): SuiteResult {
  return {
    startedAt: '2026-11-21T10:00:00.000Z',
    finishedAt: '2026-11-21T10:05:00.000Z',
    command: 'npm run bench -- all',
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU',
      memoryGiB: 8,
      node: 'v20.20.0',
      os: 'linux 6.1.0 x64',
    },
    settings: { repeat: scenarios[0]?.runs.length ?? 1, smoke: false },
    scenarios,
    broken: [],
    missing: [],
    ...extra,
  };
}

export const rateSeries: Series = {
  name: 'rate',
  xLabel: 'clients',
  yLabel: 'msg/s',
  points: [
    { x: 1, y: 100 },
    { x: 4, y: 300 },
  ],
};
