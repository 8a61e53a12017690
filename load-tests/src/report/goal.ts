import type { Goal, Measurement } from '../scenario.js';
import { formatNumber, formatRatio } from './format.js';

/** A goal with its threshold resolved against the measurement it belongs to. */
export interface ResolvedGoal {
  compare: '>=' | '<=';
  threshold: number;
  on: 'value' | 'ratio';
}

export interface GoalOutcome {
  status: 'met' | 'missed' | 'unknown';
  goal?: ResolvedGoal;
  /** The figure the goal was checked against (the value or the ratio). */
  actual?: number;
  /**
   * How far the figure is on the good side of the threshold, as a fraction of it: 0.12 is
   * 12 % better than needed, -0.08 is a miss by 8 %.
   */
  margin?: number;
}

const TIME_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  min: 60,
};
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  bytes: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

function unitScale(unit: string): { kind: string; factor: number } | undefined {
  const u = unit.trim();
  if (u in TIME_UNITS) return { kind: 'time', factor: TIME_UNITS[u] as number };
  const lower = u.toLowerCase();
  if (lower in SIZE_UNITS) return { kind: 'size', factor: SIZE_UNITS[lower] as number };
  return undefined;
}

/** Converts `value` in `from` into `to` when both are times or both are sizes; else leaves it. */
function convert(value: number, from: string, to: string): number {
  const a = unitScale(from);
  const b = unitScale(to);
  if (!a || !b || a.kind !== b.kind) return value;
  return (value * a.factor) / b.factor;
}

function normalize(text: string): string {
  return text
    .replace(/≥|=>|at least/gi, '>=')
    .replace(/≤|=<|at most/gi, '<=')
    .replace(/×/g, 'x')
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .trim();
}

function multiplier(suffix: string | undefined): number {
  if (suffix === 'k') return 1e3;
  if (suffix === 'M') return 1e6;
  return 1;
}

/**
 * Reads a target written in words: `>= 0.9x HAProxy` (on the ratio), `<= 10 s` or
 * `>= 20k acks/s` (on the value, converting time and size units), `<= HAProxy + 1 ms`
 * (the baseline's value plus an allowance) and `<= HAProxy` (a ratio of at most 1).
 */
export function parseTarget(
  target: string,
  measurement: Pick<Measurement, 'unit' | 'baseline'>,
): ResolvedGoal | undefined {
  const text = normalize(target);
  const head = /^(>=|<=)\s*(.*)$/.exec(text);
  if (!head) return undefined;
  const compare = head[1] as '>=' | '<=';
  const rest = head[2] as string;

  const ratio = /^(\d+(?:\.\d+)?)\s*x\b/.exec(rest);
  if (ratio) return { compare, threshold: Number(ratio[1]), on: 'ratio' };

  const absolute = /^(\d+(?:\.\d+)?)\s*(k|M)?\b\s*(\S*)/.exec(rest);
  // A second number qualifies the target ("<= 10 s for 1,000,000"): a condition the figure
  // alone cannot be checked against, so the scenario's own verdict stands.
  if (absolute && /\d/.test(rest.slice(absolute[0].length))) return undefined;
  if (absolute) {
    const amount = Number(absolute[1]) * multiplier(absolute[2]);
    return {
      compare,
      threshold: convert(amount, absolute[3] ?? '', measurement.unit),
      on: 'value',
    };
  }

  const baseline = measurement.baseline;
  if (!baseline || !Number.isFinite(baseline.value)) return undefined;
  const allowance = /^[^+\-\d][^+]*?([+-])\s*(\d+(?:\.\d+)?)\s*(\S*)\s*$/.exec(rest);
  if (allowance) {
    const sign = allowance[1] === '-' ? -1 : 1;
    const amount = convert(Number(allowance[2]), allowance[3] ?? '', measurement.unit);
    return { compare, threshold: baseline.value + sign * amount, on: 'value' };
  }
  if (/^[A-Za-z]/.test(rest)) return { compare, threshold: 1, on: 'ratio' };
  return undefined;
}

function resolve(goal: Goal): ResolvedGoal {
  return { compare: goal.compare, threshold: goal.threshold, on: goal.on ?? 'value' };
}

/** Whether a measurement met its target and by how much, from its goal or its target text. */
export function evaluateGoal(
  measurement: Pick<
    Measurement,
    'value' | 'unit' | 'ratio' | 'baseline' | 'target' | 'goal' | 'met'
  >,
): GoalOutcome {
  const goal = measurement.goal
    ? resolve(measurement.goal)
    : measurement.target
      ? parseTarget(measurement.target, measurement)
      : undefined;
  const actual = goal ? (goal.on === 'ratio' ? measurement.ratio : measurement.value) : undefined;
  if (!goal || actual === undefined || !Number.isFinite(actual)) {
    if (measurement.met === undefined) return { status: 'unknown', ...(goal ? { goal } : {}) };
    return { status: measurement.met ? 'met' : 'missed', ...(goal ? { goal } : {}) };
  }
  const difference = goal.compare === '>=' ? actual - goal.threshold : goal.threshold - actual;
  const margin = goal.threshold === 0 ? difference : difference / Math.abs(goal.threshold);
  return { status: difference >= 0 ? 'met' : 'missed', goal, actual, margin };
}

/**
 * "met, 12 % to spare (needs ≥ 0.90×)" / "missed by 1.6 ms, 59 % (needs ≤ 2.69 ms)" / "met"
 * when the margin is unknown. `unit` is the measurement's, for goals on the value.
 */
export function describeOutcome(outcome: GoalOutcome, unit = ''): string {
  if (outcome.status === 'unknown') return 'no target';
  const { goal, margin, actual } = outcome;
  if (margin === undefined || !goal || actual === undefined) {
    return outcome.status === 'met' ? 'met' : 'missed (margin unknown)';
  }
  const percent = Math.abs(margin * 100);
  const shown = `${percent >= 10 ? Math.round(percent).toLocaleString('en-US') : percent.toFixed(1)} %`;
  const sign = goal.compare === '>=' ? '≥' : '≤';
  const needs =
    goal.on === 'ratio'
      ? `needs ${sign} ${formatRatio(goal.threshold)}`
      : `needs ${sign} ${formatNumber(goal.threshold)}${unit ? ` ${unit}` : ''}`;
  const gap = `${formatNumber(Math.abs(actual - goal.threshold))}${unit ? ` ${unit}` : ''}`;
  // Against a threshold at or below zero (an added latency that came out negative) a
  // percentage means nothing; the gap in the unit still does.
  if (goal.threshold <= 0 && goal.on === 'value') {
    return outcome.status === 'met'
      ? `met, ${gap} to spare (${needs})`
      : `missed by ${gap} (${needs})`;
  }
  if (outcome.status === 'met') return `met, ${shown} to spare (${needs})`;
  const by = goal.on === 'ratio' ? shown : `${gap}, ${shown}`;
  return `missed by ${by} (${needs})`;
}
