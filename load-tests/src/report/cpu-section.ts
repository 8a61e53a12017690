import type { AggregatedCpuWindow } from '../runner/aggregate.js';
import { escapeCell, formatNumber } from './format.js';
import { formatSpread } from './measurement-text.js';

// The primary figures of a scenario: CPU per unit of work of every process it involved.

const ROLE: Record<string, string> = {
  roadcast: 'Roadcast',
  baseline: 'baseline',
  service: 'shared service',
  load: 'load generator',
};

/** µs per unit as a reader scans them: `183 µs`, `1.2 ms` above a thousand µs. */
function perUnit(us: number): string {
  return us >= 10_000 ? `${formatNumber(us / 1000)} ms` : `${formatNumber(us)} µs`;
}

/** Other activity above a quarter of one core means the machine was not quiet: say so. */
const QUIET_SHARE = 0.25;

function busyElsewhere(w: AggregatedCpuWindow): string | undefined {
  if (!w.otherCpuS || !(w.wallS.median > 0)) return undefined;
  const share = w.otherCpuS.max / w.wallS.median;
  if (share <= QUIET_SHARE) return undefined;
  return `${w.name}: the machine was not quiet: other processes (and kernel work charged to no process) used up to ${Math.round(share * 100)} % of one core during this window, so its times and rates are disturbed (CPU per unit much less so).`;
}

export function cpuSection(windows: readonly AggregatedCpuWindow[]): string[] {
  if (windows.length === 0) return [];
  const lines = [
    'CPU per unit of work (primary figures; utime + stime from /proc of each process, median and min–max over the runs):',
    '',
    '| Window | Process | Role | CPU per unit | CPU in the window |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const w of windows) {
    // The window is named on its first row only, so the processes read as one group.
    let label = `${w.name} (per ${w.unit}; ${formatSpread(w.units)} in ${formatSpread(w.wallS)} s)`;
    const row = (cells: string[]) => {
      lines.push(`| ${escapeCell(label)} | ${cells.join(' | ')} |`);
      label = '';
    };
    for (const p of w.processes) {
      const name = p.within ? `↳ ${p.name} (part of ${p.within})` : p.name;
      row([
        escapeCell(name),
        ROLE[p.role] ?? p.role,
        formatSpread(p.usPerUnit, perUnit),
        `${formatSpread(p.cpuS)} s`,
      ]);
    }
    if (w.otherCpuS && w.machineCpuS) {
      row([
        'everything else on the machine',
        'other activity',
        '—',
        `${formatSpread(w.otherCpuS)} s of ${formatSpread(w.machineCpuS)} s busy`,
      ]);
    }
  }
  const notes = windows.flatMap((w) => [
    ...w.notes.map((n) => `${w.name}: ${n}`),
    ...(busyElsewhere(w) ? [busyElsewhere(w) as string] : []),
  ]);
  if (notes.length > 0) lines.push('', ...notes.map((n) => `- ${n}`));
  return lines;
}
