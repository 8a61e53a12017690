import { h } from '../dom.js';

/**
 * A labelled progress bar (role progressbar, 0..100). `tone` picks the fill colour; an
 * optional marker draws a threshold line on the track, e.g. the share that starts the next wave.
 */
export function meter(options: {
  label: string;
  percent: number;
  text?: string;
  tone?: string;
  marker?: { percent: number; label: string };
}): HTMLElement {
  const percent = Math.max(0, Math.min(100, options.percent));
  const fill = h('div', { class: `meter-fill tone-${options.tone ?? 'default'}` });
  fill.style.width = `${percent}%`;
  const track = h('div', { class: 'meter-track' }, fill);
  if (options.marker) {
    const mark = h('div', { class: 'meter-marker', title: options.marker.label });
    mark.style.left = `${Math.max(0, Math.min(100, options.marker.percent))}%`;
    track.append(mark);
  }
  return h(
    'div',
    {
      class: 'meter',
      role: 'progressbar',
      'aria-label': options.label,
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': percent,
      'aria-valuetext': options.text ?? `${percent}%`,
    },
    track,
    h('span', { class: 'meter-text' }, options.text ?? `${percent}%`),
  );
}
