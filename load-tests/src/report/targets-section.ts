import type { AggregatedMeasurement } from '../runner/aggregate.js';
import type { SuiteResult } from '../runner/run-suite.js';
import { escapeCell } from './format.js';
import { headline, verdict } from './measurement-text.js';
import { matchProductTargets, PRODUCT_TARGETS, type ProductTarget } from './product-targets.js';
import { barChart } from './svg-chart.js';

// The report's first section: every product target, what measured it, and how close it is.

/** Why a product target has no figure in this run. */
function absenceReason(target: ProductTarget, suite: SuiteResult): string {
  const names = target.scenarios;
  const reasons = names.map((name) => {
    const ran = suite.scenarios.find((s) => s.name === name);
    if (ran?.status === 'failed') return `${name} failed`;
    if (ran?.status === 'interrupted' && ran.runs.length === 0) return `${name} was interrupted`;
    if (ran) return `${name} reported no measurement with this target`;
    if (suite.broken.some((b) => b.file.replace(/\.ts$/, '') === name))
      return `${name} did not load`;
    if (suite.missing.includes(name)) return `${name} has not landed`;
    return `${name} was not run`;
  });
  const ran = names.some((name) =>
    suite.scenarios.some((s) => s.name === name && s.runs.length > 0),
  );
  if (target.condition && ran) return `not measured: ${target.condition}`;
  return `not measured: ${reasons.join('; ')}`;
}

export function targetsSection(suite: SuiteResult): string[] {
  const scenarios = suite.scenarios.map((s) => ({
    name: s.name,
    measurements: s.aggregate.measurements,
  }));
  const matches = matchProductTargets(scenarios);
  const lines = [
    '## Targets',
    '',
    '| Target | Measured by | Result (ratio first) | Verdict |',
    '| --- | --- | --- | --- |',
  ];
  for (const target of PRODUCT_TARGETS) {
    const found = matches.filter((m) => m.target === target);
    if (found.length === 0) {
      lines.push(
        `| ${escapeCell(target.text)} | ${target.scenarios.join(', ')} | — | ${absenceReason(target, suite)} |`,
      );
    }
    for (const match of found) {
      const m = match.measurement;
      lines.push(
        `| ${escapeCell(target.text)} | ${match.scenario}: ${escapeCell(m.name)} | ${escapeCell(headline(m))} | **${verdict(m)}** |`,
      );
    }
  }
  const claimed = new Set(matches.map((m) => m.measurement));
  const others = suite.scenarios.flatMap((s) =>
    s.aggregate.measurements
      .filter((m) => !claimed.has(m) && (m.target !== undefined || m.goal !== undefined))
      .map((m) => ({ scenario: s.name, m })),
  );
  if (others.length > 0) {
    lines.push(
      '',
      'Further targets set by the scenarios themselves:',
      '',
      '| Scenario | Measurement | Target | Result | Verdict |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const { scenario, m } of others) {
      lines.push(
        `| ${scenario} | ${escapeCell(m.name)} | ${escapeCell(m.target ?? `${m.goal?.compare} ${m.goal?.threshold}`)} | ${escapeCell(headline(m))} | ${verdict(m)} |`,
      );
    }
  }
  return lines;
}

/** Figure ÷ threshold, turned so that 1 or more always means met; undefined without a margin. */
export function goalScore(m: AggregatedMeasurement): number | undefined {
  const { goal, actual } = m.outcome;
  if ((m.unscored && m.unscored.runs >= m.runs) || m.withinNoise) return undefined;
  if (!goal || actual === undefined || goal.threshold <= 0 || actual < 0) return undefined;
  if (goal.compare === '>=') return actual / goal.threshold;
  return actual === 0 ? Number.POSITIVE_INFINITY : goal.threshold / actual;
}

const SCORE_CAP = 3;

export function targetChart(rows: ReadonlyArray<{ label: string; score: number }>): string {
  // Far beyond the target the exact distance no longer matters; a capped bar keeps the
  // others readable and its label says it was capped.
  return barChart({
    title: 'How close each target is (1 = exactly met)',
    categoryLabel: 'target',
    valueLabel: `figure ÷ target, higher is better (capped at ${SCORE_CAP})`,
    bars: rows.map(({ label, score }) => ({
      label: score > SCORE_CAP ? `${label} (> ${SCORE_CAP})` : label,
      value: Math.min(score, SCORE_CAP),
    })),
    references: [{ value: 1, label: 'target' }],
  });
}
