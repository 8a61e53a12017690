import { h, keepingFocus, replaceChildren } from '../dom.js';
import type { CampaignDetail } from '../api-types.js';
import type { AppContext, View } from '../app-context.js';
import { coalesce } from '../coalesce.js';
import { normaliseCounts, PROBLEM_STATES } from '../delivery-states.js';
import type { LiveEvent } from '../event-stream.js';
import { formatDateTime, formatNumber, relative } from '../format.js';
import { ackChart } from '../components/ack-chart.js';
import { campaignActions } from '../components/campaign-actions.js';
import { complianceCard } from '../components/compliance-card.js';
import { deliveriesTable } from '../components/deliveries-table.js';
import { errorBox } from '../components/error-box.js';
import { failureReasons } from '../components/failure-reasons.js';
import { stateMeters } from '../components/state-bars.js';
import { waveProgress } from '../components/wave-progress.js';

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
      waveProgress(c.waves, c.currentWave),
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
      refetch.cancel();
      refreshTable.cancel();
      refreshCompliance.cancel();
    },
  };
}
