import type { SuiteResult } from './run-suite.js';

/**
 * One suite from runs done separately (say, the quick scenarios with repeats and the long
 * sweep once). A scenario present in several keeps the last one that returned results; the
 * report's header shows every command and the whole time span. Suites from different
 * machines are refused: their figures do not belong in one report.
 */
export function mergeSuites(suites: readonly SuiteResult[]): SuiteResult {
  const [first, ...rest] = suites;
  if (!first) throw new Error('no results to merge');
  for (const other of rest) {
    const a = first.machine;
    const b = other.machine;
    if (a.cpus !== b.cpus || a.cpuModel !== b.cpuModel || a.memoryGiB !== b.memoryGiB) {
      throw new Error(
        `results from different machines: ${a.cpus} × ${a.cpuModel} and ${b.cpus} × ${b.cpuModel}`,
      );
    }
  }
  const scenarios = new Map<string, SuiteResult['scenarios'][number]>();
  for (const suite of suites) {
    for (const outcome of suite.scenarios) {
      const kept = scenarios.get(outcome.name);
      if (!kept || outcome.runs.length > 0 || kept.runs.length === 0)
        scenarios.set(outcome.name, outcome);
    }
  }
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
  };
}
