import { evaluateGoal, type GoalOutcome } from '../report/goal.js';
import type { Goal, ScenarioResult, Series } from '../scenario.js';
import { median, spread, type Spread } from './statistics.js';

/** One measurement over every repeat of a scenario: medians first, spreads beside them. */
export interface AggregatedMeasurement {
  name: string;
  unit: string;
  value: Spread;
  baseline?: { name: string; value: Spread };
  ratio?: Spread;
  target?: string;
  goal?: Goal;
  /** The target checked against the medians. */
  outcome: GoalOutcome;
  /** How many runs met the target on their own figures, when the runs said. */
  runsMet?: number;
  /** Runs that reported this measurement (a run may fail before it gets there). */
  runs: number;
}

export interface AggregatedScenario {
  measurements: AggregatedMeasurement[];
  series: Series[];
  notes: string[];
}

/** Combines repeated runs of one scenario, matching measurements and series by name. */
export function aggregateRuns(runs: readonly ScenarioResult[]): AggregatedScenario {
  const order: string[] = [];
  const byName = new Map<string, ScenarioResult['measurements']>();
  for (const run of runs) {
    for (const m of run.measurements) {
      let list = byName.get(m.name);
      if (!list) {
        list = [];
        byName.set(m.name, list);
        order.push(m.name);
      }
      list.push(m);
    }
  }

  const measurements = order.map((name): AggregatedMeasurement => {
    const list = byName.get(name) ?? [];
    const first = list[0];
    if (!first) throw new Error(`no runs reported ${name}`);
    const value = spread(list.map((m) => m.value));
    const baselines = list.flatMap((m) => (m.baseline ? [m.baseline.value] : []));
    const ratios = list.flatMap((m) => (m.ratio !== undefined ? [m.ratio] : []));
    const baseline =
      first.baseline && baselines.length > 0
        ? { name: first.baseline.name, value: spread(baselines) }
        : undefined;
    const ratio = ratios.length > 0 ? spread(ratios) : undefined;
    const target = list.find((m) => m.target !== undefined)?.target;
    const goal = list.find((m) => m.goal !== undefined)?.goal;
    // Each run judged on its own figures (or its own verdict when the target is unreadable).
    const verdicts = list
      .map((m) => evaluateGoal(m).status)
      .filter((v) => v !== 'unknown')
      .map((v) => v === 'met');
    // A target checked on the medians: when the goal cannot be read, the majority of the
    // runs' own verdicts stands in for it.
    const outcome = evaluateGoal({
      value: value.median,
      unit: first.unit,
      ...(ratio ? { ratio: ratio.median } : {}),
      ...(baseline ? { baseline: { name: baseline.name, value: baseline.value.median } } : {}),
      ...(target !== undefined ? { target } : {}),
      ...(goal ? { goal } : {}),
      ...(verdicts.length > 0
        ? { met: verdicts.filter(Boolean).length * 2 > verdicts.length }
        : {}),
    });
    return {
      name,
      unit: first.unit,
      value,
      ...(baseline ? { baseline } : {}),
      ...(ratio ? { ratio } : {}),
      ...(target !== undefined ? { target } : {}),
      ...(goal ? { goal } : {}),
      outcome,
      ...(verdicts.length > 0 ? { runsMet: verdicts.filter(Boolean).length } : {}),
      runs: list.length,
    };
  });

  return { measurements, series: aggregateSeries(runs), notes: uniqueNotes(runs) };
}

/** The median curve: for each series and x, the median y over the runs that measured it. */
function aggregateSeries(runs: readonly ScenarioResult[]): Series[] {
  const merged = new Map<string, { template: Series; ys: Map<number, number[]> }>();
  for (const run of runs) {
    for (const s of run.series ?? []) {
      let entry = merged.get(s.name);
      if (!entry) {
        entry = { template: s, ys: new Map() };
        merged.set(s.name, entry);
      }
      for (const p of s.points) {
        const ys = entry.ys.get(p.x) ?? [];
        ys.push(p.y);
        entry.ys.set(p.x, ys);
      }
    }
  }
  return [...merged.values()].map(({ template, ys }) => ({
    ...template,
    points: [...ys.entries()]
      .sort(([a], [b]) => a - b)
      .map(([x, values]) => ({ x, y: median(values) })),
  }));
}

function uniqueNotes(runs: readonly ScenarioResult[]): string[] {
  const seen = new Set<string>();
  for (const run of runs) for (const note of run.notes) seen.add(note);
  return [...seen];
}
