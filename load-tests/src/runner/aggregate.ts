import { evaluateGoal, type GoalOutcome } from '../report/goal.js';
import type { CpuWindow, Goal, ProcessRole, ScenarioResult, Series } from '../scenario.js';
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
  targetId?: string;
  /** Runs that must not be judged, and why; the verdict uses the other runs only. */
  unscored?: { runs: number; reasons: string[] };
  /** The noise band (median over runs) and whether the median value lies within it. */
  noise?: number;
  withinNoise?: boolean;
}

/** One CPU window over every repeat: per process, the median and spread of µs per unit. */
export interface AggregatedCpuWindow {
  name: string;
  unit: string;
  units: Spread;
  wallS: Spread;
  processes: Array<{
    name: string;
    role: ProcessRole;
    within?: string;
    usPerUnit: Spread;
    cpuS: Spread;
  }>;
  otherCpuS?: Spread;
  machineCpuS?: Spread;
  notes: string[];
}

export interface AggregatedScenario {
  measurements: AggregatedMeasurement[];
  series: Series[];
  notes: string[];
  cpu: AggregatedCpuWindow[];
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
    const scoredList = list.filter((m) => m.unscored === undefined);
    const scored = {
      value: spread(scoredList.map((m) => m.value)),
      baseline: spread(scoredList.flatMap((m) => (m.baseline ? [m.baseline.value] : []))),
      ratio: spread(scoredList.flatMap((m) => (m.ratio !== undefined ? [m.ratio] : []))),
    };
    const baselines = list.flatMap((m) => (m.baseline ? [m.baseline.value] : []));
    const ratios = list.flatMap((m) => (m.ratio !== undefined ? [m.ratio] : []));
    const baseline =
      first.baseline && baselines.length > 0
        ? { name: first.baseline.name, value: spread(baselines) }
        : undefined;
    const ratio = ratios.length > 0 ? spread(ratios) : undefined;
    const target = list.find((m) => m.target !== undefined)?.target;
    const goal = list.find((m) => m.goal !== undefined)?.goal;
    const targetId = list.find((m) => m.targetId !== undefined)?.targetId;
    const noises = list.flatMap((m) => (m.noise !== undefined ? [m.noise] : []));
    const noise = noises.length > 0 ? median(noises) : undefined;
    const withinNoise =
      noise !== undefined && Number.isFinite(value.median) && Math.abs(value.median) <= noise;
    // Each scored run judged on its own figures (or its own verdict when the target is
    // unreadable).
    const verdicts = scoredList
      .map((m) => evaluateGoal(m).status)
      .filter((v) => v !== 'unknown')
      .map((v) => v === 'met');
    // A target checked on the medians of the scored runs: when the goal cannot be read, the
    // majority of the runs' own verdicts stands in for it.
    const outcome: GoalOutcome =
      scoredList.length === 0
        ? { status: 'unknown' }
        : evaluateGoal({
            value: scored.value.median,
            unit: first.unit,
            ...(ratio && scored.ratio.count > 0 ? { ratio: scored.ratio.median } : {}),
            ...(baseline && scored.baseline.count > 0
              ? { baseline: { name: baseline.name, value: scored.baseline.median } }
              : {}),
            ...(target !== undefined ? { target } : {}),
            ...(goal ? { goal } : {}),
            ...(verdicts.length > 0
              ? { met: verdicts.filter(Boolean).length * 2 > verdicts.length }
              : {}),
          });
    const unscoredRuns = list.filter((m) => m.unscored !== undefined);
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
      ...(targetId !== undefined ? { targetId } : {}),
      ...(unscoredRuns.length > 0
        ? {
            unscored: {
              runs: unscoredRuns.length,
              reasons: [...new Set(unscoredRuns.map((m) => m.unscored as string))],
            },
          }
        : {}),
      ...(noise !== undefined ? { noise, withinNoise } : {}),
    };
  });

  return {
    measurements,
    series: aggregateSeries(runs),
    notes: uniqueNotes(runs),
    cpu: aggregateCpu(runs),
  };
}

/** CPU windows matched by name, processes by name, in first-seen order. */
function aggregateCpu(runs: readonly ScenarioResult[]): AggregatedCpuWindow[] {
  const windows = new Map<string, CpuWindow[]>();
  for (const run of runs) {
    for (const w of run.cpu ?? []) windows.set(w.name, [...(windows.get(w.name) ?? []), w]);
  }
  return [...windows.values()].map((list) => {
    const first = list[0] as CpuWindow;
    const names: string[] = [];
    for (const w of list)
      for (const p of w.processes) if (!names.includes(p.name)) names.push(p.name);
    const optional = (pick: (w: CpuWindow) => number | undefined) => {
      const values = list.flatMap((w) => {
        const v = pick(w);
        return v === undefined ? [] : [v];
      });
      return values.length > 0 ? spread(values) : undefined;
    };
    const other = optional((w) => w.otherCpuS);
    const machine = optional((w) => w.machineCpuS);
    return {
      name: first.name,
      unit: first.unit,
      units: spread(list.map((w) => w.units)),
      wallS: spread(list.map((w) => w.wallS)),
      processes: names.map((name) => {
        const entries = list.flatMap((w) => w.processes.filter((p) => p.name === name));
        const head = entries[0] as CpuWindow['processes'][number];
        return {
          name,
          role: head.role,
          ...(head.within ? { within: head.within } : {}),
          usPerUnit: spread(entries.map((p) => p.usPerUnit)),
          cpuS: spread(entries.map((p) => p.cpuS)),
        };
      }),
      ...(other ? { otherCpuS: other } : {}),
      ...(machine ? { machineCpuS: machine } : {}),
      notes: [...new Set(list.flatMap((w) => w.notes ?? []))],
    };
  });
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
