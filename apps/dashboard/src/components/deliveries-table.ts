import { h, replaceChildren } from '../dom.js';
import type { Delivery, DeliveryList, VehicleDetail } from '../api-types.js';
import type { AppContext } from '../app-context.js';
import { DELIVERY_STATES } from '../delivery-states.js';
import { formatDateTime } from '../format.js';
import { errorBox } from './error-box.js';
import { vehicleCard } from './vehicle-card.js';

const PAGE = 50;

/**
 * A campaign's deliveries, a page at a time (cursor pages from the API), narrowed by state
 * on the server and by a search over the page's vehicle ids, brokers and errors. Choosing a
 * vehicle shows its delivery here and its current state across campaigns.
 */
export function deliveriesTable(
  ctx: AppContext,
  campaignId: string,
): { element: HTMLElement; refresh(): void } {
  let state = '';
  let search = '';
  let cursors: Array<string | undefined> = [undefined];
  let page: DeliveryList = { items: [], nextCursor: null };
  const body = h('tbody', {});
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const vehiclePanel = h('div', { class: 'vehicle-history', 'aria-live': 'polite' });
  const prev = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => go(-1) },
    'Previous page',
  );
  const next = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => go(1) },
    'Next page',
  );

  const stateSelect = h(
    'select',
    {
      id: `deliveries-state-${campaignId}`,
      onchange: (e: Event) => {
        state = (e.target as HTMLSelectElement).value;
        cursors = [undefined];
        void load();
      },
    },
    h('option', { value: '' }, 'all states'),
    DELIVERY_STATES.map((s) => h('option', { value: s }, s)),
  );
  const searchInput = h('input', {
    id: `deliveries-search-${campaignId}`,
    type: 'search',
    placeholder: 'vehicle id, broker or error',
    oninput: (e: Event) => {
      search = (e.target as HTMLInputElement).value.trim().toLowerCase();
      render();
    },
  });

  const go = (step: number) => {
    if (step > 0 && page.nextCursor) cursors.push(page.nextCursor);
    if (step < 0 && cursors.length > 1) cursors.pop();
    void load();
  };

  async function load(): Promise<void> {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (state) query.set('state', state);
    const cursor = cursors[cursors.length - 1];
    if (cursor) query.set('cursor', cursor);
    try {
      page = await ctx.api.get<DeliveryList>(`/v1/campaigns/${campaignId}/deliveries?${query}`);
      render();
    } catch (err) {
      replaceChildren(body, h('tr', {}, h('td', { colspan: 7 }, errorBox(err))));
    }
  }

  function render(): void {
    const rows = page.items.filter(
      (d) =>
        !search ||
        d.vehicleId.toLowerCase().includes(search) ||
        (d.brokerId ?? '').toLowerCase().includes(search) ||
        (d.lastError ?? '').toLowerCase().includes(search),
    );
    replaceChildren(
      body,
      rows.length === 0
        ? h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No deliveries match'))
        : rows.map(row),
    );
    prev.disabled = cursors.length <= 1;
    next.disabled = !page.nextCursor;
    status.textContent = `Page ${cursors.length}: ${rows.length} of ${page.items.length} deliveries shown`;
  }

  function row(d: Delivery): HTMLElement {
    return h(
      'tr',
      {},
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            'aria-label': `History of ${d.vehicleId}`,
            onclick: () => void showVehicle(d),
          },
          d.vehicleId,
        ),
      ),
      h('td', {}, h('span', { class: `badge state-${d.state}` }, d.state)),
      h('td', {}, String(d.wave + 1)),
      h('td', {}, `${d.attempt} / ${d.publishes}`),
      h('td', {}, d.brokerId ?? '—'),
      h('td', {}, d.lastError ?? ''),
      h('td', {}, formatDateTime(d.updatedAt)),
    );
  }

  async function showVehicle(d: Delivery): Promise<void> {
    replaceChildren(vehiclePanel, h('p', { class: 'muted' }, `Loading ${d.vehicleId}…`));
    const heading = h('h3', {}, `Vehicle ${d.vehicleId}`);
    const thisDelivery = h(
      'p',
      {},
      `In this campaign: ${d.state} in attempt ${d.attempt}, published ${d.publishes} time${d.publishes === 1 ? '' : 's'}`,
      d.brokerId ? ` via ${d.brokerId}` : '',
      d.lastError ? `; last error: ${d.lastError}` : '',
      `; updated ${formatDateTime(d.updatedAt)}.`,
    );
    try {
      const vehicle = await ctx.api.get<VehicleDetail>(
        `/v1/vehicles/${encodeURIComponent(d.vehicleId)}`,
      );
      replaceChildren(vehiclePanel, heading, thisDelivery, vehicleCard(vehicle));
    } catch (err) {
      replaceChildren(vehiclePanel, heading, thisDelivery, errorBox(err));
    }
    vehiclePanel.scrollIntoView({ block: 'nearest' });
  }

  const element = h(
    'section',
    { class: 'deliveries card', 'aria-labelledby': `deliveries-${campaignId}` },
    h('h2', { id: `deliveries-${campaignId}` }, 'Deliveries'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: stateSelect.id }, 'State'),
      stateSelect,
      h('label', { for: searchInput.id }, 'Search this page'),
      searchInput,
    ),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, 'Deliveries of this campaign'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Vehicle',
              'State',
              'Wave',
              'Attempt / publishes',
              'Broker',
              'Last error',
              'Updated',
            ].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        body,
      ),
    ),
    h('div', { class: 'pager' }, prev, status, next),
    vehiclePanel,
  );
  void load();
  return { element, refresh: () => void load() };
}
