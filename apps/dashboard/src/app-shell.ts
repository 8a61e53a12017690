import { h, replaceChildren } from './dom.js';
import type { ApiClient, Role } from './api-client.js';
import type { AppContext, View } from './app-context.js';
import { EventStream, type StreamStatus } from './event-stream.js';
import { ProgressHistory } from './progress-history.js';
import { auditView } from './views/audit-view.js';
import { campaignDetailView } from './views/campaign-detail-view.js';
import { campaignsView } from './views/campaigns-view.js';
import { fleetView } from './views/fleet-view.js';
import { inventoryView } from './views/inventory-view.js';
import { policyView } from './views/policy-view.js';

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  disconnected: 'Disconnected: reconnecting, will catch up',
};

const NAV = [
  { hash: '#/campaigns', text: 'Campaigns' },
  { hash: '#/fleet', text: 'Fleet and edge' },
  { hash: '#/inventory', text: 'Inventory' },
  { hash: '#/policy', text: 'Router policy' },
  { hash: '#/audit', text: 'Audit log', adminOnly: true },
];

/**
 * The signed-in page: navigation, the live-connection indicator and the view for the
 * current address. One event stream feeds the progress history and the view on screen.
 */
export function startShell(
  root: HTMLElement,
  api: ApiClient,
  role: Role,
  signOut: () => void,
): () => void {
  const history = new ProgressHistory();
  const announcer = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const streamStatus = h(
    'span',
    { class: 'stream-status connecting', role: 'status', 'aria-label': 'Live updates' },
    STATUS_TEXT.connecting,
  );
  const nav = h(
    'nav',
    { 'aria-label': 'Main' },
    h(
      'ul',
      {},
      NAV.filter((n) => !('adminOnly' in n) || role === 'admin').map((n) =>
        h('li', {}, h('a', { href: n.hash }, n.text)),
      ),
    ),
  );
  const main = h('main', { id: 'content', tabindex: -1 });
  let view: View | undefined;
  const startedAt = Date.now();

  const ctx: AppContext = {
    api,
    role,
    history,
    navigate: (hash) => {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
    announce: (message) => {
      announcer.textContent = message;
    },
  };

  function route(): void {
    view?.dispose?.();
    const hash = location.hash || '#/campaigns';
    const detail = /^#\/campaigns\/([0-9a-fA-F-]{36})$/.exec(hash);
    view = detail
      ? campaignDetailView(ctx, detail[1]!)
      : hash === '#/fleet'
        ? fleetView(ctx)
        : hash === '#/policy'
          ? policyView(ctx)
          : hash === '#/audit'
            ? auditView(ctx)
            : hash === '#/inventory'
              ? inventoryView(ctx)
              : campaignsView(ctx);
    if (!detail) document.title = 'Roadcast';
    for (const link of nav.querySelectorAll('a')) {
      const current = hash.startsWith(link.getAttribute('href') ?? '');
      if (current) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    replaceChildren(main, view.element);
  }

  const stream = new EventStream({
    key: api.key,
    // The stream's recent history fills the acknowledgement charts at start-up.
    since: '0-0',
    onEvent: (event) => {
      const at = Date.parse(event.at);
      if (event.type === 'campaign.progress' && event.campaignId) {
        history.record(event.campaignId, at, event.data.counts);
      }
      // Replayed history is for the charts; views fetched the present themselves.
      if (event.type === 'campaign.progress' && at < startedAt) return;
      view?.onEvent?.(event);
    },
    onStatus: (status) => {
      streamStatus.className = `stream-status ${status}`;
      streamStatus.textContent = STATUS_TEXT[status];
    },
    onResumed: () => view?.onResumed?.(),
  });

  replaceChildren(
    root,
    h(
      'a',
      {
        class: 'skip-link',
        href: '#content',
        onclick: (e: Event) => (e.preventDefault(), main.focus()),
      },
      'Skip to content',
    ),
    h(
      'header',
      { class: 'app-header' },
      h('span', { class: 'brand' }, 'Roadcast'),
      nav,
      streamStatus,
      h('span', { class: 'badge role' }, role === 'admin' ? 'admin' : 'operator or viewer'),
      h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Sign out'),
    ),
    main,
    announcer,
  );
  window.addEventListener('hashchange', route);
  route();
  stream.start();
  return () => {
    stream.stop();
    view?.dispose?.();
    window.removeEventListener('hashchange', route);
  };
}
