import { h } from '../dom.js';
import type { VehicleDetail } from '../api-types.js';
import { formatDateTime, relative } from '../format.js';

/** A vehicle at a glance: presence, broker, pool, pinning, last seen and open deliveries. */
export function vehicleCard(v: VehicleDetail): HTMLElement {
  const online = v.presence !== null;
  return h(
    'div',
    { class: 'vehicle-card', 'aria-label': `Vehicle ${v.id}` },
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Presence'),
      h(
        'dd',
        {},
        h(
          'span',
          { class: `badge ${online ? 'online' : 'offline'}` },
          online ? 'connected' : 'offline',
        ),
      ),
      h('dt', {}, 'Broker'),
      h('dd', {}, v.presence?.brokerId ?? '—'),
      h('dt', {}, 'Pool'),
      h('dd', {}, `${v.presence?.poolId ?? v.poolId ?? '—'}${v.pinned ? ' (pinned)' : ''}`),
      h('dt', {}, 'Connected since'),
      h('dd', {}, v.presence ? formatDateTime(v.presence.connectedAt) : '—'),
      h('dt', {}, 'Last seen'),
      h(
        'dd',
        {},
        v.lastSeenAt ? `${formatDateTime(v.lastSeenAt)} (${relative(v.lastSeenAt)})` : 'never',
      ),
      h('dt', {}, 'Model / region'),
      h('dd', {}, `${v.model} / ${v.region}`),
      h('dt', {}, 'Software'),
      h('dd', {}, v.softwareVersion),
      h('dt', {}, 'Reported versions'),
      h(
        'dd',
        {},
        v.inventory && v.inventory.components.length > 0
          ? v.inventory.components.map((c) => `${c.id} ${c.version}`).join(', ')
          : 'none reported',
      ),
      h('dt', {}, 'Boot'),
      h(
        'dd',
        {},
        v.inventory?.boot
          ? `${v.inventory.boot.health} (reported ${relative(v.inventory.reportedAt)})`
          : '—',
      ),
    ),
    h('h3', {}, `Open deliveries (${v.openDeliveries.length})`),
    v.openDeliveries.length === 0
      ? h('p', { class: 'muted' }, 'None: every notice to this vehicle is settled.')
      : h(
          'table',
          { class: 'compact' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Campaign', 'State', 'Broker', 'Updated'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            v.openDeliveries.map((d) =>
              h(
                'tr',
                {},
                h(
                  'td',
                  {},
                  h('a', { href: `#/campaigns/${d.campaignId}` }, d.campaignId.slice(0, 8)),
                ),
                h('td', {}, h('span', { class: `badge state-${d.state}` }, d.state)),
                h('td', {}, d.brokerId ?? '—'),
                h('td', {}, formatDateTime(d.updatedAt)),
              ),
            ),
          ),
        ),
  );
}
