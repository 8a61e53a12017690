import { h, replaceChildren } from '../dom.js';
import type { AuditEntry, AuditList } from '../api-types.js';
import type { AppContext, View } from '../app-context.js';
import { formatDateTime } from '../format.js';
import { errorBox } from '../components/error-box.js';

const PAGE = 50;
const FILTERS = [
  ['actor', 'Actor', 'API key id or name'],
  ['resourceType', 'Resource type', 'e.g. campaign, vehicle, api-key'],
  ['resourceId', 'Resource id', 'Needs a resource type'],
  ['action', 'Action', 'e.g. campaign.cancel'],
] as const;

/** A datetime-local value (the browser's local time) as an ISO instant, or the text as is. */
const instant = (text: string): string => {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
};

/**
 * The audit log (admins): who did what to which resource and when, filtered, newest first,
 * a page at a time. Filters go to the API as they are; what it refuses is shown above the table.
 */
export function auditView(ctx: AppContext): View {
  let query = new URLSearchParams();
  let nextCursor: string | null = null;
  const problems = h('div', { class: 'form-problems', 'aria-live': 'assertive' });
  const rows = h('tbody', {});
  const table = h(
    'table',
    { class: 'audit-table' },
    h('caption', { class: 'visually-hidden' }, 'Audit log entries, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Time', 'Actor', 'Action', 'Resource', 'Details', 'Request'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    rows,
  );
  const empty = h('p', { class: 'hint', hidden: true }, 'No entries match these filters.');
  const more = h(
    'button',
    { type: 'button', class: 'secondary', hidden: true, onclick: () => void load(true) },
    'Next page',
  );
  const input = (name: string, label: string, hint: string, type = 'text') =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: `audit-${name}` }, label),
      h('input', {
        id: `audit-${name}`,
        name,
        type,
        'aria-describedby': `audit-${name}-hint`,
      }),
      h('small', { id: `audit-${name}-hint`, class: 'hint' }, hint),
    );
  const form = h(
    'form',
    { class: 'card audit-filters', 'aria-label': 'Audit filters', novalidate: true },
    h(
      'div',
      { class: 'grid' },
      FILTERS.map(([name, label, hint]) => input(name, label, hint)),
      input('from', 'From', 'Entries at or after', 'datetime-local'),
      input('to', 'To', 'Entries before', 'datetime-local'),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'reset', class: 'secondary' }, 'Clear'),
      h('button', { type: 'submit', class: 'primary' }, 'Show entries'),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    query = new URLSearchParams();
    for (const [name, value] of new FormData(form).entries()) {
      const text = typeof value === 'string' ? value.trim() : '';
      if (text) query.set(name, name === 'from' || name === 'to' ? instant(text) : text);
    }
    void load(false);
  });
  form.addEventListener('reset', () => {
    query = new URLSearchParams();
    setTimeout(() => void load(false));
  });

  const row = (e: AuditEntry) =>
    h(
      'tr',
      {},
      h('td', {}, h('time', { datetime: e.at }, formatDateTime(e.at))),
      h('td', {}, e.actor),
      h('td', {}, h('code', {}, e.action)),
      h('td', {}, e.targetId ? `${e.targetType} ${e.targetId}` : e.targetType),
      h('td', { class: 'audit-details' }, e.details ? JSON.stringify(e.details) : ''),
      h('td', {}, e.requestId ? h('code', {}, e.requestId) : ''),
    );

  async function load(append: boolean): Promise<void> {
    const params = new URLSearchParams(query);
    params.set('limit', String(PAGE));
    if (append && nextCursor) params.set('cursor', nextCursor);
    table.setAttribute('aria-busy', 'true');
    try {
      const page = await ctx.api.get<AuditList>(`/v1/audit?${params.toString()}`);
      problems.replaceChildren();
      if (append) rows.append(...page.items.map(row));
      else replaceChildren(rows, page.items.map(row));
      nextCursor = page.nextCursor;
      more.hidden = nextCursor === null;
      empty.hidden = rows.childElementCount > 0;
      ctx.announce(`${rows.childElementCount} audit entries shown`);
    } catch (err) {
      problems.replaceChildren(errorBox(err));
      // Rows of other filters would read as answers to these.
      if (!append) {
        rows.replaceChildren();
        more.hidden = true;
      }
    } finally {
      table.removeAttribute('aria-busy');
    }
  }

  void load(false);
  return {
    element: h(
      'section',
      { class: 'view', 'aria-labelledby': 'audit-title' },
      h('header', { class: 'view-header' }, h('h1', { id: 'audit-title' }, 'Audit log')),
      form,
      problems,
      h('div', { class: 'table-scroll' }, table),
      empty,
      more,
    ),
  };
}
