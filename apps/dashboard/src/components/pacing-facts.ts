import { h } from '../dom.js';
import type { Campaign } from '../api-types.js';
import { formatNumber } from '../format.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** "Mon–Fri", "Sat, Sun", "Mon, Wed–Fri": ISO days as short ranges. */
export function dayRanges(days: readonly number[]): string {
  const sorted = [...days].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j += 1;
    const first = DAYS[sorted[i]! - 1]!;
    const last = DAYS[sorted[j]! - 1]!;
    parts.push(j - i >= 2 ? `${first}–${last}` : j > i ? `${first}, ${last}` : first);
    i = j + 1;
  }
  return parts.join(', ');
}

/** How the campaign is paced: its rate now and its ramp, and its maintenance windows. */
export function pacingFacts(c: Campaign): HTMLElement[] {
  const facts: HTMLElement[] = [];
  const rate = c.options.rate;
  if (rate) {
    const now = c.allowedPerMinute ?? rate.maxPerMinute;
    const ramp = rate.ramp
      ? `; ramp from ${formatNumber(rate.ramp.initialPerMinute)}/min ×${rate.ramp.factor} every ${
          rate.ramp.stepSeconds !== undefined
            ? `${formatNumber(rate.ramp.stepSeconds)} s`
            : `${formatNumber(rate.ramp.stepSuccesses ?? 0)} installs`
        }`
      : '';
    facts.push(
      h('dt', {}, 'Rate'),
      h(
        'dd',
        {},
        `${formatNumber(now)} notices/min now, at most ${formatNumber(rate.maxPerMinute)}${ramp}`,
      ),
    );
  }
  const windows = c.options.maintenanceWindows;
  if (windows.length > 0) {
    facts.push(
      h('dt', {}, 'Maintenance windows'),
      h(
        'dd',
        {},
        `${windows.map((w) => `${dayRanges(w.days)} ${w.start}–${w.end}`).join('; ')} (each vehicle's region time)`,
      ),
    );
  }
  return facts;
}
