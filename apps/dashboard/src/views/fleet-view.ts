import { h, keepingFocus, replaceChildren } from '../dom.js';
import type { EdgePool } from '../api-types.js';
import type { AppContext, View } from '../app-context.js';
import { coalesce } from '../coalesce.js';
import { percentOf } from '../delivery-states.js';
import type { LiveEvent } from '../event-stream.js';
import { formatNumber } from '../format.js';
import { confirmAction } from '../components/confirm-dialog.js';
import { errorBox } from '../components/error-box.js';
import { meter } from '../components/meter.js';
import { vehicleLookup } from './vehicle-lookup.js';

// Connection counts change without events (presence lives in Redis), so they are polled.
const POLL_MS = 5_000;

/** Edge pools and brokers with health, connections and load; vehicle lookup; admin actions. */
export function fleetView(ctx: AppContext): View {
  let pools: EdgePool[] = [];
  const poolsBox = h('div', { class: 'pools', 'aria-busy': 'true' });
  const problem = h('div', {});
  const lookup = vehicleLookup(ctx, () => pools);
  const element = h(
    'section',
    { class: 'view', 'aria-labelledby': 'fleet-title' },
    h('header', { class: 'view-header' }, h('h1', { id: 'fleet-title' }, 'Fleet and edge')),
    problem,
    poolsBox,
    lookup.element,
  );

  async function load(): Promise<void> {
    try {
      pools = (await ctx.api.get<{ items: EdgePool[] }>('/v1/pools')).items;
      problem.replaceChildren();
      keepingFocus(poolsBox, render);
    } catch (err) {
      problem.replaceChildren(errorBox(err));
    } finally {
      poolsBox.setAttribute('aria-busy', 'false');
    }
  }

  const change = async (kind: 'pool' | 'broker', id: string, what: 'drain' | 'undrain') => {
    const ok = await confirmAction(
      what === 'drain'
        ? {
            title: `Drain ${kind} ${id}?`,
            message: `Vehicles connected through ${id} are moved to other ${kind === 'pool' ? 'pools' : 'brokers'}; no notice is lost.`,
            confirmLabel: `Drain ${kind}`,
            danger: true,
          }
        : {
            title: `Put ${kind} ${id} back in service?`,
            message: 'New and moved vehicles may be routed to it again.',
            confirmLabel: `Undrain ${kind}`,
          },
    );
    if (ok === null) return;
    try {
      await ctx.api.post(
        `/v1/${kind === 'pool' ? 'pools' : 'brokers'}/${encodeURIComponent(id)}/${what}`,
      );
      ctx.announce(`${kind} ${id} ${what === 'drain' ? 'is draining' : 'is active'}`);
      await load();
    } catch (err) {
      problem.replaceChildren(errorBox(err));
    }
  };

  const stateButton = (kind: 'pool' | 'broker', id: string, state: string) => {
    if (ctx.role !== 'admin') return null;
    const what = state === 'active' ? 'drain' : 'undrain';
    return h(
      'button',
      {
        type: 'button',
        class: what === 'drain' ? 'secondary' : 'primary',
        'aria-label': `${what === 'drain' ? 'Drain' : 'Undrain'} ${kind} ${id}`,
        onclick: () => void change(kind, id, what),
      },
      what === 'drain' ? 'Drain' : 'Undrain',
    );
  };

  function render(): void {
    const all = pools.reduce((n, p) => n + p.connections, 0);
    if (pools.length === 0) {
      replaceChildren(poolsBox, h('p', { class: 'empty' }, 'No edge pools are registered.'));
      return;
    }
    replaceChildren(
      poolsBox,
      pools.map((p) =>
        h(
          'article',
          { class: `pool card health-${p.health}`, 'aria-labelledby': `pool-${p.id}` },
          h(
            'header',
            {},
            h('h2', { id: `pool-${p.id}` }, `${p.name} (${p.id})`),
            h('span', { class: `badge health-${p.health}` }, p.health),
            h('span', { class: `badge edge-${p.state}` }, p.state),
            stateButton('pool', p.id, p.state),
          ),
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'Connected'),
            h('dd', {}, formatNumber(p.connections)),
            h('dt', {}, 'Assigned vehicles'),
            h('dd', {}, formatNumber(p.vehicles)),
            h('dt', {}, 'Weight'),
            h('dd', {}, String(p.weight)),
          ),
          meter({
            label: `${p.id} share of connections`,
            percent: percentOf(p.connections, all),
            text: `${percentOf(p.connections, all)}% of all connections`,
            tone: 'neutral',
          }),
          h(
            'table',
            { class: 'compact' },
            h('caption', { class: 'visually-hidden' }, `Brokers of ${p.id}`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Broker', 'State', 'Connections', 'Load in pool', 'Weight', 'Address', ''].map(
                  (t) => h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              p.brokers.map((b) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, b.id),
                  h('td', {}, h('span', { class: `badge edge-${b.state}` }, b.state)),
                  h('td', {}, formatNumber(b.connections)),
                  h(
                    'td',
                    {},
                    meter({
                      label: `${b.id} load`,
                      percent: percentOf(b.connections, p.connections),
                      tone: 'neutral',
                    }),
                  ),
                  h('td', {}, String(b.weight)),
                  h('td', { class: 'mono' }, b.url),
                  h('td', {}, stateButton('broker', b.id, b.state)),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  const refetch = coalesce(load, 500);
  void load();
  const poll = setInterval(() => void load(), POLL_MS);
  return {
    element,
    onEvent(event: LiveEvent) {
      if (event.type === 'fleet.topology' || event.type === 'fleet.vehicles') refetch();
    },
    onResumed: () => refetch(),
    dispose() {
      clearInterval(poll);
      refetch.cancel();
    },
  };
}
