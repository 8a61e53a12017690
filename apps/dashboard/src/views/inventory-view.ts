import { h, replaceChildren } from '../dom.js';
import type { ComponentInventory, ComponentList } from '../api-types.js';
import type { AppContext, View } from '../app-context.js';
import { formatNumber } from '../format.js';
import { errorBox } from '../components/error-box.js';
import { versionTable } from '../components/version-table.js';

/** The fleet inventory: every component vehicles report, with vehicles per version. */
export function inventoryView(ctx: AppContext): View {
  const body = h('div', { 'aria-busy': 'true' });
  const element = h(
    'section',
    { class: 'view', 'aria-labelledby': 'inventory-title' },
    h('header', { class: 'view-header' }, h('h1', { id: 'inventory-title' }, 'Inventory')),
    h(
      'p',
      { class: 'muted' },
      'Versions vehicles report running, per component, from their status reports.',
    ),
    body,
  );

  async function load(): Promise<void> {
    try {
      const { items } = await ctx.api.get<ComponentList>('/v1/inventory/components');
      const inventories = await Promise.all(
        items.map((c) =>
          ctx.api.get<ComponentInventory>(
            `/v1/inventory/components/${encodeURIComponent(c.component)}`,
          ),
        ),
      );
      replaceChildren(
        body,
        inventories.length === 0
          ? h('p', { class: 'muted' }, 'No vehicle has reported its versions yet.')
          : inventories.map((inv) =>
              h(
                'section',
                { class: 'card', 'aria-label': `Component ${inv.component}` },
                h('h2', {}, `${inv.component} (${formatNumber(inv.vehicles)} vehicles)`),
                versionTable(inv),
              ),
            ),
      );
    } catch (err) {
      replaceChildren(body, errorBox(err));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }

  void load();
  return { element, onResumed: () => void load() };
}
