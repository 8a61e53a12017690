import { h, keepingFocus, replaceChildren } from '../dom.js';
import type { Campaign, CampaignDetail, CampaignList } from '../api-types.js';
import type { AppContext, View } from '../app-context.js';
import { coalesce } from '../coalesce.js';
import { normaliseCounts, percentOf, TERMINAL_STATES } from '../delivery-states.js';
import type { LiveEvent } from '../event-stream.js';
import { formatDateTime, formatNumber, relative } from '../format.js';
import { campaignActions } from '../components/campaign-actions.js';
import { errorBox } from '../components/error-box.js';
import { meter } from '../components/meter.js';
import { stackedStates } from '../components/state-bars.js';
import { waveProgress } from '../components/wave-progress.js';
import { campaignForm } from './campaign-form.js';

const ACTIVE = ['scheduled', 'running', 'paused'];
const PAGE = 20;

/**
 * Campaigns, newest first: status, why a paused campaign paused, delivery states, waves
 * against their thresholds, start and expiry, and the controls. Counts follow the live
 * progress events; status changes refetch the page.
 */
export function campaignsView(ctx: AppContext): View {
  let campaigns: Array<Campaign | CampaignDetail> = [];
  let nextCursor: string | null = null;
  let status = '';
  const list = h('div', { class: 'campaign-list', 'aria-busy': 'true' });
  const formSlot = h('div', {});
  const more = h(
    'button',
    { type: 'button', class: 'secondary', hidden: true, onclick: () => void load(true) },
    'Older campaigns',
  );
  const filter = h(
    'select',
    {
      id: 'campaign-status-filter',
      onchange: (e: Event) => ((status = (e.target as HTMLSelectElement).value), void load(false)),
    },
    ['', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'expired'].map((s) =>
      h('option', { value: s }, s || 'all'),
    ),
  );
  const openForm = () => {
    formSlot.replaceChildren(
      campaignForm(
        ctx,
        (created) => {
          formSlot.replaceChildren();
          ctx.navigate(`#/campaigns/${created.id}`);
        },
        () => formSlot.replaceChildren(),
      ),
    );
    formSlot.querySelector<HTMLInputElement>('input')?.focus();
  };
  const element = h(
    'section',
    { class: 'view', 'aria-labelledby': 'campaigns-title' },
    h(
      'header',
      { class: 'view-header' },
      h('h1', { id: 'campaigns-title' }, 'Campaigns'),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'campaign-status-filter' }, 'Status'),
        filter,
        h('button', { type: 'button', class: 'primary', onclick: openForm }, 'New campaign'),
      ),
    ),
    formSlot,
    list,
    more,
  );

  const withDetails = async (items: Campaign[]) =>
    Promise.all(
      items.map(async (c) =>
        ACTIVE.includes(c.status)
          ? ctx.api.get<CampaignDetail>(`/v1/campaigns/${c.id}`).catch(() => c)
          : c,
      ),
    );

  async function load(append: boolean): Promise<void> {
    list.setAttribute('aria-busy', 'true');
    try {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (status) query.set('status', status);
      if (append && nextCursor) query.set('cursor', nextCursor);
      const page = await ctx.api.get<CampaignList>(`/v1/campaigns?${query}`);
      const items = await withDetails(page.items);
      campaigns = append ? [...campaigns, ...items] : items;
      nextCursor = page.nextCursor;
      render();
    } catch (err) {
      replaceChildren(list, errorBox(err));
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  }

  /** Refetches the first page after a status change; older pages are fetched on request. */
  const refresh = coalesce(() => load(false), 500);
  const refreshOne = new Map<string, ReturnType<typeof coalesce>>();
  const detailOf = (id: string) => {
    let run = refreshOne.get(id);
    if (!run) {
      run = coalesce(async () => {
        const detail = await ctx.api
          .get<CampaignDetail>(`/v1/campaigns/${id}`)
          .catch(() => undefined);
        const i = campaigns.findIndex((c) => c.id === id);
        if (detail && i >= 0) {
          campaigns[i] = detail;
          render();
        }
      }, 1_000);
      refreshOne.set(id, run);
    }
    run();
  };

  function render(): void {
    more.hidden = !nextCursor;
    if (campaigns.length === 0) {
      replaceChildren(
        list,
        h('p', { class: 'empty' }, 'No campaigns yet. Create one with “New campaign”.'),
      );
      return;
    }
    keepingFocus(list, () => replaceChildren(list, campaigns.map(card)));
  }

  function card(c: Campaign | CampaignDetail): HTMLElement {
    const settled = TERMINAL_STATES.reduce((n, s) => n + c.counts[s], 0);
    return h(
      'article',
      {
        class: `campaign card status-${c.status}`,
        'aria-labelledby': `c-${c.id}`,
        'data-campaign-id': c.id,
      },
      h(
        'header',
        {},
        h('h2', { id: `c-${c.id}` }, h('a', { href: `#/campaigns/${c.id}` }, c.name)),
        h('span', { class: `badge status-${c.status}` }, c.status),
        h('span', { class: 'muted' }, `${c.update.id} ${c.update.version}`),
        c.awaitingApproval !== null
          ? h(
              'span',
              { class: 'badge wave-awaiting_approval' },
              `Wave ${c.awaitingApproval + 1} awaits approval`,
            )
          : null,
      ),
      c.status === 'paused' && c.pausedReason
        ? h('p', { class: 'paused-reason' }, `Paused: ${c.pausedReason}`)
        : null,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Vehicles'),
        h('dd', {}, formatNumber(c.total)),
        h('dt', {}, 'Start'),
        h('dd', {}, `${formatDateTime(c.startAt)} (${relative(c.startAt)})`),
        h('dt', {}, 'Expiry'),
        h('dd', {}, `${formatDateTime(c.expiresAt)} (${relative(c.expiresAt)})`),
        h('dt', {}, 'Wave'),
        h(
          'dd',
          {},
          'waves' in c ? `${c.currentWave + 1} of ${c.waves.length}` : `${c.currentWave + 1}`,
        ),
      ),
      meter({
        label: `${c.name} installed`,
        percent: percentOf(c.counts.installed, c.total),
        text: `${formatNumber(c.counts.installed)} of ${formatNumber(c.total)} installed (${percentOf(c.counts.installed, c.total)}%)`,
        tone: 'installed',
      }),
      meter({
        label: `${c.name} settled`,
        percent: percentOf(settled, c.total),
        text: `${percentOf(settled, c.total)}% settled`,
        tone: 'neutral',
      }),
      stackedStates(c.counts, c.total, `${c.name} deliveries`),
      'waves' in c && c.waves.length > 1 ? waveProgress(c.waves, c.currentWave) : null,
      campaignActions(ctx, c, () => refresh()),
    );
  }

  void load(false);
  return {
    element,
    onEvent(event: LiveEvent) {
      if (event.type === 'campaign.progress' && event.campaignId) {
        const c = campaigns.find((x) => x.id === event.campaignId);
        if (!c) return;
        c.counts = normaliseCounts(event.data.counts);
        if ('waves' in c) detailOf(c.id);
        render();
      } else if (event.type === 'campaign.created' || event.type === 'campaign.status') {
        refresh();
      }
    },
    onResumed: () => refresh(),
    dispose() {
      refresh.cancel();
      for (const run of refreshOne.values()) run.cancel();
    },
  };
}
