import { h } from '../dom.js';
import { percentOf, PROBLEM_STATES } from '../delivery-states.js';
import type { WaveProgress } from '../api-types.js';
import { formatDateTime, formatNumber } from '../format.js';
import { meter } from './meter.js';

/**
 * Each rollout wave against its thresholds: the installed share with the success threshold
 * that starts the next wave marked on it, and the failed or rejected share with the
 * failure threshold that pauses the campaign.
 */
export function waveProgress(waves: readonly WaveProgress[], currentWave: number): HTMLElement {
  if (waves.length === 0) return h('p', { class: 'muted' }, 'No waves');
  return h(
    'table',
    { class: 'waves' },
    h('caption', { class: 'visually-hidden' }, 'Rollout waves'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [
          'Wave',
          'Target share',
          'Size',
          'State',
          'Installed vs success threshold',
          'Failed vs failure threshold',
          'Started',
        ].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      waves.map((w) => {
        const installed = percentOf(w.counts.installed, w.size);
        const failed = percentOf(
          PROBLEM_STATES.reduce((n, s) => n + w.counts[s], 0),
          w.size,
        );
        const success = Math.round(w.successThreshold * 1000) / 10;
        const failure = Math.round(w.failureThreshold * 1000) / 10;
        return h(
          'tr',
          { class: w.index === currentWave ? 'current' : '' },
          h('th', { scope: 'row' }, `${w.index + 1}`),
          h('td', {}, `${w.percent}%`),
          h('td', {}, formatNumber(w.size)),
          h('td', {}, h('span', { class: `badge wave-${w.state}` }, w.state)),
          h(
            'td',
            {},
            meter({
              label: `wave ${w.index + 1} installed`,
              percent: installed,
              text: `${installed}% of ${success}%`,
              tone: installed >= success ? 'installed' : 'received',
              marker: { percent: success, label: `success threshold ${success}%` },
            }),
          ),
          h(
            'td',
            {},
            meter({
              label: `wave ${w.index + 1} failed`,
              percent: failure > 0 ? Math.min(100, (failed / failure) * 100) : failed > 0 ? 100 : 0,
              text: `${failed}% of ${failure}%`,
              tone: failed >= failure && failed > 0 ? 'failed' : 'neutral',
            }),
          ),
          h('td', {}, formatDateTime(w.startedAt)),
        );
      }),
    ),
  );
}
