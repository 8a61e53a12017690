import { EXPECTED_SCENARIOS } from '../registry.js';
import type { AggregatedMeasurement } from '../runner/aggregate.js';
import type { ScenarioOutcome, SuiteResult } from '../runner/run-suite.js';
import type { Series } from '../scenario.js';
import { escapeCell, formatRatio } from './format.js';
import { formatSpread, slug, verdict, withUnit } from './measurement-text.js';
import { matchProductTargets } from './product-targets.js';
import { barChart, lineChart } from './svg-chart.js';
import { cpuSection } from './cpu-section.js';
import { goalScore, targetChart, targetsSection } from './targets-section.js';

export interface RenderedReport {
  markdown: string;
  /** Chart files, named relative to the chart folder. */
  charts: Array<{ file: string; svg: string }>;
}

export interface RenderOptions {
  /** How the Markdown links to the chart folder (default `charts`). */
  chartPath?: string;
}

function measurementTable(outcome: ScenarioOutcome): string[] {
  const rows = outcome.aggregate.measurements;
  if (rows.length === 0) return ['No measurements.'];
  const lines = [
    '| Measurement | Ratio | Value | Baseline | Target | Verdict |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const m of rows) {
    const ratio = m.ratio ? formatSpread(m.ratio, formatRatio) : '—';
    const baseline = m.baseline
      ? `${withUnit(formatSpread(m.baseline.value), m.unit)} (${m.baseline.name})`
      : '—';
    lines.push(
      `| ${escapeCell(m.name)} | ${ratio} | ${escapeCell(withUnit(formatSpread(m.value), m.unit))} | ${escapeCell(baseline)} | ${escapeCell(m.target ?? '—')} | ${verdict(m)} |`,
    );
  }
  return lines;
}

function ratioChart(
  title: string,
  rows: Array<{ label: string; m: AggregatedMeasurement }>,
): string {
  const thresholds = new Set<number>();
  for (const { m } of rows)
    if (m.outcome.goal?.on === 'ratio') thresholds.add(m.outcome.goal.threshold);
  return barChart({
    title,
    categoryLabel: 'measurement',
    valueLabel: 'Roadcast ÷ baseline (median; whiskers: min–max)',
    bars: rows.map(({ label, m }) => ({
      label,
      value: m.ratio?.median ?? NaN,
      ...(m.ratio && m.ratio.count > 1 ? { low: m.ratio.min, high: m.ratio.max } : {}),
    })),
    references: [
      { value: 1, label: 'parity' },
      ...[...thresholds]
        .filter((t) => t !== 1)
        .map((t) => ({ value: t, label: `target ${formatRatio(t)}` })),
    ],
  });
}

function seriesCharts(
  scenario: string,
  series: readonly Series[],
): Array<{ title: string; svg: string }> {
  const groups = new Map<string, Series[]>();
  for (const s of series) {
    const key = s.chart ?? s.name;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.entries()].map(([title, group]) => {
    const first = group[0] as Series;
    return {
      title: `${scenario}: ${title}`,
      svg: lineChart({
        title,
        xLabel: first.xLabel,
        yLabel: first.yLabel,
        logX: group.some((s) => s.logX === true),
        lines: group.map((s) => ({ name: s.name, points: s.points })),
      }),
    };
  });
}

/** Which run every figure comes from, on which machine, and how to read the figures. */
function headerLines(suite: SuiteResult): string[] {
  const m = suite.machine;
  const kernel = m.kernel ?? m.os.split(' ')[1] ?? m.os;
  const lines = [
    `- Machine (read when the run started): ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB memory, kernel ${kernel}, Node ${m.node}${m.descriptorLimit ? `, ${m.descriptorLimit.toLocaleString('en-US')} descriptors per process` : ''}`,
  ];
  if (suite.merged && suite.merged.length > 1) {
    lines.push(
      `- Runs: this report joins ${suite.merged.length} runs on this machine (every results file was checked to come from it); each scenario below comes from the run named here:`,
    );
    for (const run of suite.merged) {
      lines.push(
        `  - \`${run.command}\`, ${run.startedAt} to ${run.finishedAt ?? '(interrupted)'}${run.repeat === undefined ? '' : `, ${run.repeat} ${run.repeat === 1 ? 'repeat' : 'repeats'}`}: ${run.scenarios.join(', ') || 'no scenario kept'}`,
      );
    }
  } else {
    lines.push(
      `- Run: \`${suite.command}\`, ${suite.startedAt}${suite.finishedAt ? ` to ${suite.finishedAt}` : ' (interrupted)'}`,
    );
  }
  const repeats = new Set((suite.merged ?? []).map((run) => run.repeat));
  lines.push(
    repeats.size > 1 && !repeats.has(undefined)
      ? '- Repeats: as each run above says; a scenario run more than once gives medians, with the min–max over its runs in brackets'
      : `- Repeats: ${suite.settings.repeat}${suite.settings.repeat > 1 ? ' (figures are medians; brackets give min–max over the runs)' : ''}`,
    '- Every figure below was measured by the run(s) named above and written by the harness; nothing was added or edited by hand.',
    '- Primary figures are CPU per unit of work of each process (µs per notice, relayed message, ack, request), read from /proc; they carry across machines. Rates, times and ratios follow; a ratio is Roadcast ÷ a baseline measured in the same run, alternating with it.',
    '- Postgres and Redis are shared system services: their figures count the whole server (and, for Postgres, separately the backends of the scenario’s own database). Each CPU table says how much CPU everything else on the machine used during the window, which shows whether the machine was quiet.',
  );
  return lines;
}

/** The human report: targets first, then each scenario with ratios before absolute figures. */
export function renderReport(suite: SuiteResult, options: RenderOptions = {}): RenderedReport {
  const chartPath = options.chartPath ?? 'charts';
  const charts: RenderedReport['charts'] = [];
  const image = (file: string, svg: string, alt: string): string => {
    charts.push({ file, svg });
    return `![${alt}](${chartPath}/${file})`;
  };
  const lines: string[] = ['# Roadcast benchmark report', ''];
  if (suite.settings.smoke) {
    lines.push(
      '> **Smoke run**: tiny sizes that prove the harness works. These figures say nothing about performance.',
      '',
    );
  }
  lines.push(...headerLines(suite), '');
  lines.push(...targetsSection(suite), '');

  const scored = matchProductTargets(
    suite.scenarios.map((s) => ({ name: s.name, measurements: s.aggregate.measurements })),
  ).flatMap((match) => {
    const score = goalScore(match.measurement);
    return score === undefined ? [] : [{ label: match.target.text, score }];
  });
  if (scored.length > 0) {
    lines.push(
      image('targets.svg', targetChart(scored), 'How close each target is'),
      '',
      'Each bar is the figure against its target (for lower-is-better targets, the target against the figure): 1 or more is met.',
      '',
    );
  }

  for (const outcome of suite.scenarios) {
    const runs = outcome.runs.length;
    lines.push(`## ${outcome.name}`, '', outcome.description, '');
    const status =
      outcome.status === 'ok'
        ? `${runs} run${runs === 1 ? '' : 's'}`
        : `${outcome.status}: ${runs} of ${suite.settings.repeat} runs returned a result`;
    lines.push(`Status: ${status}, ${(outcome.durationMs / 1000).toFixed(1)} s in all.`, '');
    const parameters = outcome.runs[0]?.parameters;
    if (parameters && Object.keys(parameters).length > 0) {
      const shown = Object.entries(parameters).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
      lines.push(`Parameters: ${shown.map((p) => `\`${p}\``).join(', ')}`, '');
    }
    const cpu = cpuSection(outcome.aggregate.cpu);
    if (cpu.length > 0) lines.push(...cpu, '');
    lines.push(...measurementTable(outcome), '');
    const ratios = outcome.aggregate.measurements
      .filter((x) => x.ratio)
      .map((x) => ({ label: x.name, m: x }));
    if (ratios.length > 0) {
      lines.push(
        image(
          `${slug(outcome.name)}-ratios.svg`,
          ratioChart(`${outcome.name}: Roadcast ÷ baseline`, ratios),
          `${outcome.name} ratios`,
        ),
        '',
      );
    }
    for (const chart of seriesCharts(outcome.name, outcome.aggregate.series)) {
      lines.push(image(`${slug(chart.title)}.svg`, chart.svg, chart.title), '');
    }
    if (outcome.aggregate.notes.length > 0) {
      lines.push(
        'Notes:',
        '',
        ...outcome.aggregate.notes.map((n) => `- ${n.replace(/\r?\n/g, ' ')}`),
        '',
      );
    }
    if (outcome.errors.length > 0) {
      lines.push(
        'Errors:',
        '',
        '```',
        ...outcome.errors.map((e) => e.split('\n').slice(0, 6).join('\n')),
        '```',
        '',
      );
    }
  }

  const ran = new Set(suite.scenarios.map((s) => s.name));
  const broken = new Set(suite.broken.map((b) => b.file.replace(/\.ts$/, '')));
  const skipped = EXPECTED_SCENARIOS.filter(
    (name) => !ran.has(name) && !suite.missing.includes(name) && !broken.has(name),
  );
  if (suite.missing.length > 0 || suite.broken.length > 0 || skipped.length > 0) {
    lines.push('## Not in this run', '');
    for (const name of suite.missing) lines.push(`- ${name}: the scenario has not landed yet.`);
    for (const b of suite.broken)
      lines.push(`- ${b.file}: did not load (${b.error.split('\n')[0]}).`);
    for (const name of skipped) lines.push(`- ${name}: exists but was not run this time.`);
    lines.push('');
  }
  return { markdown: `${lines.join('\n').trimEnd()}\n`, charts };
}
