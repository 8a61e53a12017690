import { machineDifference } from './machine.js';
import type { SuiteResult } from './run-suite.js';

/** Why a set of results cannot be one report: they were measured on different machines. */
export class MachineMismatchError extends Error {}

/**
 * Checks that every suite, and every scenario run inside it, was measured on the same machine
 * (CPU count and model, memory, kernel, Node) as the first suite. A results.json copied in
 * from another machine is refused here, whatever its report says about itself.
 */
export function assertSameMachine(suites: readonly SuiteResult[]): void {
  const first = suites[0];
  if (!first) return;
  for (const suite of suites) {
    const suiteDifference = machineDifference(first.machine, suite.machine);
    if (suiteDifference)
      throw new MachineMismatchError(
        `results from different machines (${suite.command}): ${suiteDifference}`,
      );
    for (const outcome of suite.scenarios) {
      for (const run of outcome.runs) {
        const difference = machineDifference(first.machine, run.machine);
        if (difference)
          throw new MachineMismatchError(
            `a run of ${outcome.name} (${run.startedAt}) was measured on another machine: ${difference}`,
          );
      }
    }
  }
}

/**
 * One report from suites run separately on one machine (say, the quick scenarios with repeats
 * and the long sweep). A scenario present in several keeps the last one that returned
 * results; the merged suite lists every run with its command and the scenarios it supplied,
 * and the report names them.
 */
export function mergeSuites(suites: readonly SuiteResult[]): SuiteResult {
  const [first] = suites;
  if (!first) throw new Error('no results to merge');
  assertSameMachine(suites);
  const scenarios = new Map<string, SuiteResult['scenarios'][number]>();
  const supplier = new Map<string, number>();
  suites.forEach((suite, index) => {
    for (const outcome of suite.scenarios) {
      const kept = scenarios.get(outcome.name);
      if (!kept || outcome.runs.length > 0 || kept.runs.length === 0) {
        scenarios.set(outcome.name, outcome);
        supplier.set(outcome.name, index);
      }
    }
  });
  const finished = suites.map((s) => s.finishedAt);
  const ran = new Set(scenarios.keys());
  const repeats = [...new Set(suites.map((s) => s.settings.repeat))];
  return {
    startedAt: suites.map((s) => s.startedAt).sort()[0] ?? first.startedAt,
    ...(finished.every((f) => f !== undefined)
      ? { finishedAt: [...finished].sort().at(-1) as string }
      : {}),
    command: suites.map((s) => s.command).join(' ; '),
    machine: first.machine,
    settings: {
      ...first.settings,
      // The smallest repeat count is the one every figure can claim.
      repeat: Math.min(...repeats),
      smoke: suites.some((s) => s.settings.smoke),
    },
    scenarios: [...scenarios.values()],
    broken: suites
      .flatMap((s) => s.broken)
      .filter((b, i, all) => all.findIndex((x) => x.file === b.file) === i),
    missing: [...new Set(suites.flatMap((s) => s.missing))].filter((name) => !ran.has(name)),
    merged: suites.map((s, index) => ({
      command: s.command,
      repeat: s.settings.repeat,
      startedAt: s.startedAt,
      ...(s.finishedAt ? { finishedAt: s.finishedAt } : {}),
      scenarios: [...supplier.entries()].filter(([, i]) => i === index).map(([name]) => name),
    })),
  };
}
