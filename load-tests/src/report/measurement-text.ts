import type { AggregatedMeasurement } from '../runner/aggregate.js';
import type { Spread } from '../runner/statistics.js';
import { formatNumber, formatRatio } from './format.js';
import { describeOutcome } from './goal.js';

// How one aggregated measurement reads in the report's tables.

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'chart'
  );
}

/** The median, then the spread when there was more than one run: `41,200 (39,800–42,100)`. */
export function formatSpread(s: Spread, format: (v: number) => string = formatNumber): string {
  if (s.count <= 1 || s.min === s.max) return format(s.median);
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

export function withUnit(text: string, unit: string): string {
  if (!unit) return text;
  return unit === '×' || unit === '%' ? `${text}${unit}` : `${text} ${unit}`;
}

export function verdict(m: AggregatedMeasurement): string {
  if (m.unscored && m.unscored.runs >= m.runs)
    return `not scored: ${m.unscored.reasons.join('; ')}`;
  if (m.withinNoise && m.noise !== undefined)
    return `within noise (±${withUnit(formatNumber(m.noise), m.unit)})`;
  // Without a readable goal the verdict is the scenario's own; its target text says on what.
  const own = m.outcome.status !== 'unknown' && m.outcome.margin === undefined && m.target;
  const base = own
    ? `${m.outcome.status} (judged by the scenario: ${m.target})`
    : describeOutcome(m.outcome, m.unit);
  const skipped = m.unscored
    ? ` (${m.unscored.runs} of ${m.runs} runs not scored: ${m.unscored.reasons.join('; ')})`
    : '';
  if (m.outcome.status === 'unknown' || m.runsMet === undefined || m.runs <= 1)
    return `${base}${skipped}`;
  const judged = m.runs - (m.unscored?.runs ?? 0);
  return `${base} (${m.runsMet} of ${judged} runs met it)${skipped}`;
}

export function headline(m: AggregatedMeasurement): string {
  const value = withUnit(formatSpread(m.value), m.unit);
  return m.ratio
    ? `${formatSpread(m.ratio, formatRatio)} ${m.baseline?.name ?? 'baseline'} · ${value}`
    : value;
}
