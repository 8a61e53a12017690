import { h, replaceChildren } from '../dom.js';
import type { CampaignDetail, ComponentInventory } from '../api-types.js';
import type { AppContext } from '../app-context.js';
import { formatNumber } from '../format.js';
import { errorBox } from './error-box.js';
import { meter } from './meter.js';
import { versionTable } from './version-table.js';

/**
 * How far a campaign's targets really run the offered version, from what the vehicles report
 * on their status topic (not from their acks), and the fleet's versions of that component.
 */
export function complianceCard(ctx: AppContext): {
  element: HTMLElement;
  refresh(campaign: CampaignDetail): Promise<void>;
} {
  const body = h('div', { 'aria-live': 'polite' });
  const element = h(
    'section',
    { class: 'card compliance', 'aria-labelledby': 'compliance-title' },
    h('h2', { id: 'compliance-title' }, 'Compliance'),
    body,
  );
  async function refresh(campaign: CampaignDetail): Promise<void> {
    const component = campaign.update.id;
    let inventory: ComponentInventory;
    try {
      inventory = await ctx.api.get<ComponentInventory>(
        `/v1/inventory/components/${encodeURIComponent(component)}?campaignId=${campaign.id}`,
      );
    } catch (err) {
      replaceChildren(body, errorBox(err));
      return;
    }
    const c = inventory.compliance;
    const percent = c ? Math.round(c.share * 1000) / 10 : 0;
    replaceChildren(
      body,
      c
        ? [
            meter({
              label: `on target version ${c.version}`,
              percent,
              text: `${percent}% (${formatNumber(c.onVersion)} of ${formatNumber(c.targeted)})`,
              tone: 'installed',
            }),
            h(
              'p',
              { class: 'muted' },
              `${formatNumber(c.onVersion)} of ${formatNumber(c.targeted)} targeted vehicles report running ${component} ${c.version}; ` +
                `${formatNumber(c.reporting)} reported a version of it.`,
            ),
          ]
        : null,
      h('h3', {}, `Fleet versions of ${component}`),
      versionTable(inventory, c?.version),
    );
  }
  return { element, refresh };
}
