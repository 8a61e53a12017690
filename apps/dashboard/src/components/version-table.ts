import { h } from '../dom.js';
import type { ComponentInventory } from '../api-types.js';
import { formatNumber } from '../format.js';
import { meter } from './meter.js';

/**
 * Vehicles per reported version of one component, most common first, each with its share of
 * the vehicles reporting the component; `highlight` marks a version (a campaign's target).
 */
export function versionTable(inventory: ComponentInventory, highlight?: string): HTMLElement {
  if (inventory.versions.length === 0)
    return h('p', { class: 'muted' }, `No vehicle has reported ${inventory.component} yet.`);
  const share = (n: number) =>
    inventory.vehicles === 0 ? 0 : Math.round((n / inventory.vehicles) * 1000) / 10;
  return h(
    'table',
    { class: 'compact versions', 'aria-label': `Versions of ${inventory.component}` },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Version', 'Vehicles', 'Share'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      inventory.versions.map((v) =>
        h(
          'tr',
          { class: v.version === highlight ? 'target-version' : undefined },
          h(
            'td',
            {},
            v.version,
            v.version === highlight ? h('span', { class: 'badge' }, 'target') : null,
          ),
          h('td', {}, formatNumber(v.vehicles)),
          h(
            'td',
            {},
            meter({
              label: `${inventory.component} ${v.version}`,
              percent: share(v.vehicles),
              text: `${share(v.vehicles)}%`,
              tone: v.version === highlight ? 'installed' : 'neutral',
            }),
          ),
        ),
      ),
    ),
  );
}
