import { h } from '../dom.js';
import { DELIVERY_STATES, percentOf, type Counts } from '../delivery-states.js';
import { formatNumber } from '../format.js';
import { meter } from './meter.js';

/**
 * All delivery states of a campaign in one stacked bar, with a legend of the non-zero
 * counts: the at-a-glance line of the campaign list.
 */
export function stackedStates(counts: Counts, total: number, label: string): HTMLElement {
  const bar = h('div', {
    class: 'stack',
    role: 'img',
    'aria-label': `${label}: ${describe(counts)}`,
  });
  for (const state of DELIVERY_STATES) {
    if (counts[state] === 0 || total === 0) continue;
    const seg = h('div', {
      class: `stack-seg state-${state}`,
      title: `${state}: ${counts[state]}`,
    });
    seg.style.width = `${(counts[state] / total) * 100}%`;
    bar.append(seg);
  }
  const legend = h(
    'ul',
    { class: 'legend' },
    DELIVERY_STATES.filter((s) => counts[s] > 0).map((s) =>
      h(
        'li',
        {},
        h('span', { class: `swatch state-${s}`, 'aria-hidden': 'true' }),
        `${s} ${formatNumber(counts[s])}`,
      ),
    ),
  );
  return h('div', { class: 'stacked-states' }, bar, legend);
}

/** One progress bar per delivery state, each the share of the campaign's deliveries. */
export function stateMeters(counts: Counts, total: number): HTMLElement {
  return h(
    'div',
    { class: 'state-meters' },
    DELIVERY_STATES.map((state) =>
      h(
        'div',
        { class: 'state-meter' },
        h(
          'span',
          { class: 'state-name' },
          h('span', { class: `swatch state-${state}`, 'aria-hidden': 'true' }),
          state,
        ),
        meter({
          label: state,
          percent: percentOf(counts[state], total),
          text: `${formatNumber(counts[state])} (${percentOf(counts[state], total)}%)`,
          tone: state,
        }),
      ),
    ),
  );
}

function describe(counts: Counts): string {
  const parts = DELIVERY_STATES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'no deliveries';
}
