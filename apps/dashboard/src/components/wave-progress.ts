import { MIN_REACHED_SHARE } from '@roadcast/contracts/delivery-state';
import { h } from '../dom.js';
import { percentOf, PROBLEM_STATES } from '../delivery-states.js';
import type { WaveProgress } from '../api-types.js';
import { formatDateTime, formatNumber } from '../format.js';
import { meter } from './meter.js';

const WAVE_STATE_LABELS: Partial<Record<WaveProgress['state'], string>> = {
  awaiting_approval: 'Awaiting approval',
};

const SILENT_LIMIT = {
  percent: (1 - MIN_REACHED_SHARE) * 100,
  label: `judged once at most ${(1 - MIN_REACHED_SHARE) * 100}% is not reached`,
};

export interface WaveProgressOptions {
  /** What the thresholds' shares are of: the whole wave, or the vehicles that answered. */
  basis?: 'target' | 'reached';
  /** Controls shown beside a wave's state, e.g. Approve for a wave awaiting approval. */
  actions?: (wave: WaveProgress) => HTMLElement | null;
}

/**
 * Each rollout wave against its thresholds: the installed share with the success threshold
 * that starts the next wave marked on it, the failed or rejected share with the failure
 * threshold that pauses the campaign, and the vehicles not reached yet (the silent bucket).
 * With the reached basis, both shares are of the vehicles that answered.
 */
export function waveProgress(
  waves: readonly WaveProgress[],
  currentWave: number,
  options: WaveProgressOptions = {},
): HTMLElement {
  if (waves.length === 0) return h('p', { class: 'muted' }, 'No waves');
  const overReached = options.basis === 'reached';
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
          overReached
            ? 'Installed of reached vs success threshold'
            : 'Installed vs success threshold',
          overReached ? 'Failed of reached vs failure threshold' : 'Failed vs failure threshold',
          'Not reached',
          'Started',
        ].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      waves.map((w) => {
        const base = overReached ? w.reached : w.size;
        const installed = percentOf(w.counts.installed, base);
        const failed = percentOf(
          PROBLEM_STATES.reduce((n, s) => n + w.counts[s], 0),
          base,
        );
        const success = Math.round(w.successThreshold * 1000) / 10;
        const failure = Math.round(w.failureThreshold * 1000) / 10;
        const silent = percentOf(w.notReached, w.size);
        return h(
          'tr',
          { class: w.index === currentWave ? 'current' : '' },
          h('th', { scope: 'row' }, `${w.index + 1}`),
          h('td', {}, `${w.percent}%`),
          h('td', {}, formatNumber(w.size)),
          h(
            'td',
            {},
            h('span', { class: `badge wave-${w.state}` }, WAVE_STATE_LABELS[w.state] ?? w.state),
            options.actions?.(w) ?? null,
          ),
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
          h(
            'td',
            {},
            meter({
              label: `wave ${w.index + 1} not reached`,
              percent: silent,
              text: `${formatNumber(w.notReached)} (${silent}%)`,
              tone: 'parked',
              // Over the reached, a wave is judged once no more than this share is silent.
              ...(overReached ? { marker: SILENT_LIMIT } : {}),
            }),
          ),
          h('td', {}, formatDateTime(w.startedAt)),
        );
      }),
    ),
  );
}
