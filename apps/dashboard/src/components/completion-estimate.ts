import { h } from '../dom.js';
import type { CompletionEstimate } from '../api-types.js';
import { formatDateTime, formatNumber, relative } from '../format.js';

const when = (iso: string | null): string =>
  iso ? `${formatDateTime(iso)} (${relative(iso)})` : 'not predicted';

const decimal = (n: number | null, digits = 2): string =>
  n === null ? '—' : n.toLocaleString(undefined, { maximumFractionDigits: digits });

const duration = (seconds: number | null): string => {
  if (seconds === null) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${decimal(seconds / 3600, 1)} h`;
};

/**
 * Predicted success and completion times, and a disclosure that says how they were computed:
 * the method, the rates it observed and, per wave, what it started from (docs/decisions/0354).
 */
export function completionEstimate(estimate: CompletionEstimate): HTMLElement {
  const first = estimate.waves.find((w) => w.basis.startAt !== null)?.basis;
  return h(
    'div',
    { class: 'completion-estimate' },
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Success threshold'),
      h('dd', { 'data-estimate': 'success' }, when(estimate.successAt)),
      h('dt', {}, 'All deliveries ended'),
      h('dd', { 'data-estimate': 'complete' }, when(estimate.completeAt)),
    ),
    estimate.reason ? h('p', { class: 'hint estimate-reason' }, `Why: ${estimate.reason}`) : null,
    h(
      'details',
      { class: 'estimate-basis' },
      h('summary', {}, 'How is this computed?'),
      h(
        'p',
        {},
        'Vehicles online when a wave starts answer within seconds; the others answer when they come back. From the counts of each refresh, the ',
        h('code', {}, estimate.method ?? 'reach-rate'),
        ' method measures the rate at which unreached vehicles come back (those that came back, divided by the hours vehicles waited; the first minute of a wave is left out), the share of ended deliveries that installed, and how long a vehicle takes from its first answer to the end of its install. A wave that has not started is assumed to start when the one before reaches its threshold. The end is when the last unreached vehicle is expected back, capped at the campaign’s expiry; it is the least certain number.',
      ),
      first
        ? h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'Return rate per unreached vehicle and hour'),
            h('dd', {}, decimal(first.reachRatePerHour, 3)),
            h('dt', {}, 'Came back / vehicle-hours waited'),
            h(
              'dd',
              {},
              `${formatNumber(estimate.waves.reduce((n, w) => n + w.basis.returns, 0))} / ${decimal(
                estimate.waves.reduce((n, w) => n + w.basis.waitedSeconds, 0) / 3600,
                1,
              )}`,
            ),
            h('dt', {}, 'Install share'),
            h(
              'dd',
              {},
              first.installShare === null ? '—' : `${decimal(first.installShare * 100, 1)}%`,
            ),
            h('dt', {}, 'First answer to end'),
            h('dd', {}, duration(first.lagSeconds)),
            h('dt', {}, 'Installs per hour so far'),
            h('dd', {}, decimal(first.installsPerHour, 1)),
          )
        : null,
      estimate.waves.length > 0
        ? h(
            'table',
            { class: 'estimate-waves' },
            h('caption', {}, `Per wave, computed ${formatDateTime(estimate.computedAt)}`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [
                  'Wave',
                  'Starts',
                  'Unreached',
                  'In progress',
                  'Installed',
                  'Still needed',
                  'Threshold',
                  'Ends',
                  'Note',
                ].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            h(
              'tbody',
              {},
              estimate.waves.map((w) =>
                h(
                  'tr',
                  {},
                  h('td', {}, String(w.wave + 1)),
                  h('td', {}, formatDateTime(w.basis.startAt)),
                  h('td', {}, formatNumber(w.basis.unreached)),
                  h('td', {}, formatNumber(w.basis.inProgress)),
                  h('td', {}, formatNumber(w.basis.installed)),
                  h('td', {}, formatNumber(w.basis.neededForThreshold)),
                  h('td', {}, formatDateTime(w.successAt)),
                  h('td', {}, formatDateTime(w.completeAt)),
                  h(
                    'td',
                    {},
                    [w.basis.cappedAtExpiry ? 'capped at expiry' : null, w.basis.reason]
                      .filter(Boolean)
                      .join('; '),
                  ),
                ),
              ),
            ),
          )
        : null,
    ),
  );
}
