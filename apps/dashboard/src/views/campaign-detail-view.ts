import { h, keepingFocus, replaceChildren } from '../dom.js';
import type { CampaignDetail, CompletionEstimate } from '../api-types.js';
import type { AppContext, View } from '../app-context.js';
import { coalesce } from '../coalesce.js';
import { normaliseCounts, PROBLEM_STATES } from '../delivery-states.js';
import type { LiveEvent } from '../event-stream.js';
import { formatDateTime, formatNumber, relative } from '../format.js';
import { ackChart } from '../components/ack-chart.js';
import { campaignActions } from '../components/campaign-actions.js';
import { completionEstimate } from '../components/completion-estimate.js';
import { complianceCard } from '../components/compliance-card.js';
import { deliveriesTable } from '../components/deliveries-table.js';
import { errorBox } from '../components/error-box.js';
import { failureReasons } from '../components/failure-reasons.js';
import { pacingFacts } from '../components/pacing-facts.js';
import { retryAction } from '../components/retry-action.js';
import { stateMeters } from '../components/state-bars.js';
import { waveApproval } from '../components/wave-approval.js';
import { waveProgress } from '../components/wave-progress.js';

/** How often an open campaign page asks for its predicted completion while it runs. */
const ESTIMATE_POLL_MS = 10_000;

/**
 * One campaign: progress per delivery state, waves against thresholds, a chart of
 * acknowledgements over time, failures grouped by reason and the deliveries themselves.
 */
export function campaignDetailView(ctx: AppContext, id: string): View {
  let campaign: CampaignDetail | undefined;
  let failedSeen = -1;
  const summary = h('div', { 'aria-live': 'polite' });
  const progress = h('section', { class: 'card', 'aria-labelledby': 'progress-title' });
  const waves = h('section', { class: 'card', 'aria-labelledby': 'waves-title' });
  const chart = h('section', { class: 'card', 'aria-labelledby': 'chart-title' });
  const estimate = h('section', { class: 'card', 'aria-labelledby': 'estimate-title' });
  const failures = h('div', {});
  const deliveries = deliveriesTable(ctx, id);
  const compliance = complianceCard(ctx);
  let complianceShown = false;
  const element = h(
    'section',
    { class: 'view campaign-detail' },
    h('p', {}, h('a', { href: '#/campaigns' }, '← All campaigns')),
    summary,
    h('div', { class: 'columns' }, progress, chart),
    estimate,
    waves,
    compliance.element,
    failures,
    deliveries.element,
  );

  async function load(): Promise<void> {
    try {
      campaign = await ctx.api.get<CampaignDetail>(`/v1/campaigns/${id}`);
      ctx.history.record(id, Date.now(), campaign.counts);
      render();
      void loadEstimate();
      // Shown at once the first time, then at most every few seconds while the page is live.
      if (complianceShown) refreshCompliance();
      else {
        complianceShown = true;
        void compliance.refresh(campaign);
      }
      const problems = PROBLEM_STATES.reduce((n, s) => n + campaign!.counts[s], 0);
      if (problems !== failedSeen) {
        failedSeen = problems;
        failures.replaceChildren(await failureReasons(ctx, id));
      }
    } catch (err) {
      replaceChildren(summary, errorBox(err));
    }
  }

  async function loadEstimate(): Promise<void> {
    try {
      const answer = await ctx.api.get<CompletionEstimate>(`/v1/campaigns/${id}/estimate`);
      replaceChildren(
        estimate,
        h('h2', { id: 'estimate-title' }, 'Predicted completion'),
        completionEstimate(answer),
      );
    } catch (err) {
      replaceChildren(
        estimate,
        h('h2', { id: 'estimate-title' }, 'Predicted completion'),
        errorBox(err),
      );
    }
  }

  function render(): void {
    const c = campaign;
    if (!c) return;
    document.title = `${c.name} · Roadcast`;
    keepingFocus(summary, () =>
      replaceChildren(
        summary,
        h(
          'header',
          { class: 'view-header' },
          h('h1', {}, c.name),
          h('span', { class: `badge status-${c.status}` }, c.status),
          campaignActions(ctx, c, (detail) => {
            campaign = detail;
            render();
          }),
          retryAction(ctx, c, (detail) => {
            campaign = detail;
            render();
          }),
        ),
        c.status === 'paused'
          ? h('p', { class: 'paused-reason' }, `Paused: ${c.pausedReason ?? 'no reason recorded'}`)
          : null,
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Update'),
          h('dd', {}, `${c.update.id} ${c.update.version}`),
          h('dt', {}, 'Vehicles'),
          h('dd', {}, formatNumber(c.total)),
          h('dt', {}, 'Priority'),
          h('dd', {}, String(c.priority)),
          h('dt', {}, 'Start'),
          h('dd', {}, `${formatDateTime(c.startAt)} (${relative(c.startAt)})`),
          h('dt', {}, 'Expiry'),
          h('dd', {}, `${formatDateTime(c.expiresAt)} (${relative(c.expiresAt)})`),
          h('dt', {}, 'Created by'),
          h('dd', {}, c.createdBy),
          pacingFacts(c),
          h('dt', {}, 'Failed / timed out'),
          h(
            'dd',
            { 'data-count': 'failures' },
            `${formatNumber(c.counts.failed)} failed, ${formatNumber(c.counts.timed_out)} timed out`,
          ),
          h('dt', {}, 'Timeout and retry'),
          h('dd', {}, controlSummary(c)),
          c.completedAt
            ? [h('dt', {}, 'Completed'), h('dd', {}, formatDateTime(c.completedAt))]
            : null,
        ),
      ),
    );
    replaceChildren(
      progress,
      h('h2', { id: 'progress-title' }, 'Deliveries by state'),
      stateMeters(c.counts, c.total),
    );
    replaceChildren(
      waves,
      h('h2', { id: 'waves-title' }, 'Waves'),
      waveProgress(c.waves, c.currentWave, {
        basis: c.options.thresholdBasis,
        actions: (w) =>
          w.state === 'awaiting_approval' && c.status === 'running'
            ? waveApproval(ctx, c, w, (detail) => {
                campaign = detail;
                render();
              })
            : null,
      }),
    );
    renderChart();
  }

  function renderChart(): void {
    replaceChildren(
      chart,
      h('h2', { id: 'chart-title' }, 'Acknowledgements over time'),
      ackChart(ctx.history.samples(id), campaign?.total ?? 0),
    );
  }

  // Counts arrive with every progress event; waves, status and tables need a refetch.
  const refetch = coalesce(load, 1_000);
  const refreshTable = coalesce(() => deliveries.refresh(), 3_000);
  const refreshCompliance = coalesce(
    () => (campaign ? compliance.refresh(campaign) : Promise.resolve()),
    5_000,
  );
  // Predictions move with time as well as with events: a campaign whose last vehicles are
  // parked sends none for hours, and its estimate is recomputed by the tracker all the same.
  const estimatePoll = setInterval(() => {
    if (campaign?.status === 'running') void loadEstimate();
  }, ESTIMATE_POLL_MS);
  void load();
  return {
    element,
    onEvent(event: LiveEvent) {
      if (event.campaignId !== id || !campaign) return;
      if (event.type === 'campaign.progress') {
        campaign.counts = normaliseCounts(event.data.counts);
        render();
        refreshTable();
      }
      refetch();
    },
    onResumed: () => refetch(),
    dispose() {
      clearInterval(estimatePoll);
      refetch.cancel();
      refreshTable.cancel();
      refreshCompliance.cancel();
    },
  };
}

/** The campaign's timeout, retry and failure-threshold settings in one line. */
function controlSummary(c: CampaignDetail): string {
  const o = c.options;
  const timeout = o.inProgressTimeout
    ? `timeout after ${formatNumber(Math.round(o.inProgressTimeout / 60))} min of silence`
    : 'no in-progress timeout';
  const retry = o.retry
    ? `retry up to ${o.retry.maxAttempts} attempts, backoff ${formatNumber(o.retry.backoffSeconds)} s`
    : 'no automatic retry';
  return `${timeout}; ${retry}; ${o.onFailureThreshold} on failure threshold`;
}
