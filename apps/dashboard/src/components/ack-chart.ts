import { h, svg } from '../dom.js';
import { DELIVERY_STATES, type DeliveryState } from '../delivery-states.js';
import { formatNumber, formatTime } from '../format.js';
import type { ProgressSample } from '../progress-history.js';

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { left: 48, right: 12, top: 10, bottom: 26 };

/**
 * Deliveries per state over time as step lines (counts only change when an event says so).
 * States that stayed at zero are left out so the lines that matter stay readable.
 */
export function ackChart(samples: readonly ProgressSample[], total: number): HTMLElement {
  const shown = DELIVERY_STATES.filter((s) => samples.some((p) => p.counts[s] > 0));
  const last = samples[samples.length - 1];
  const summary = last
    ? shown
        .filter((s) => last.counts[s] > 0)
        .map((s) => `${last.counts[s]} ${s}`)
        .join(', ') || 'no deliveries yet'
    : 'no samples yet';
  const figure = h('figure', { class: 'ack-chart' });
  if (samples.length === 0) {
    figure.append(h('p', { class: 'muted' }, 'Waiting for the first progress sample…'));
    return figure;
  }
  const t0 = samples[0]!.at;
  // A single sample still gets a visible line: the time axis spans at least ten seconds.
  const t1 = Math.max(last!.at, t0 + 10_000);
  const yMax = Math.max(1, total, ...samples.flatMap((p) => shown.map((s) => p.counts[s])));
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (n: number) => HEIGHT - PAD.bottom - (n / yMax) * (HEIGHT - PAD.top - PAD.bottom);

  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': `Deliveries per state over time; latest: ${summary}`,
    class: 'ack-chart-svg',
  });
  for (const frac of [0, 0.5, 1]) {
    const yy = y(yMax * frac);
    chart.append(
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: yy, y2: yy, class: 'grid' }),
      label(PAD.left - 6, yy + 4, formatNumber(Math.round(yMax * frac)), 'end'),
    );
  }
  chart.append(
    label(PAD.left, HEIGHT - 6, formatTime(t0), 'start'),
    label(WIDTH - PAD.right, HEIGHT - 6, formatTime(last!.at), 'end'),
  );
  for (const state of shown) chart.append(line(samples, state, x, y, t1));
  figure.append(
    chart,
    h(
      'figcaption',
      { class: 'legend' },
      shown.map((s) =>
        h('span', {}, h('span', { class: `swatch state-${s}`, 'aria-hidden': 'true' }), s),
      ),
    ),
  );
  return figure;
}

function line(
  samples: readonly ProgressSample[],
  state: DeliveryState,
  x: (t: number) => number,
  y: (n: number) => number,
  end: number,
): SVGElement {
  let d = '';
  samples.forEach((p, i) => {
    const px = x(p.at).toFixed(1);
    const py = y(p.counts[state]).toFixed(1);
    d += i === 0 ? `M${px},${py}` : `H${px}V${py}`;
  });
  d += `H${x(end).toFixed(1)}`;
  return svg('path', { d, class: `series state-${state}`, fill: 'none' });
}

function label(px: number, py: number, text: string, anchor: string): SVGElement {
  const el = svg('text', { x: px, y: py, 'text-anchor': anchor, class: 'axis' });
  el.textContent = text;
  return el;
}
