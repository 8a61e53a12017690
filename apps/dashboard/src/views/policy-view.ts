import { h, replaceChildren } from '../dom.js';
import { ApiRequestError } from '../api-error.js';
import type { PolicyVersion } from '../api-types.js';
import type { AppContext, View } from '../app-context.js';
import type { LiveEvent } from '../event-stream.js';
import { formatDateTime } from '../format.js';
import { errorBox } from '../components/error-box.js';
import { readPolicyDraft } from '../policy-draft.js';

type HistoryItem = Omit<PolicyVersion, 'document'>;

/** The router policy in force, its history, and (for admins) an editor that validates first. */
export function policyView(ctx: AppContext): View {
  let current: PolicyVersion | null = null;
  let dirty = false;
  const currentBox = h('div', { 'aria-live': 'polite' });
  const historyBox = h('div', {});
  const problems = h('div', { class: 'form-problems', 'aria-live': 'assertive' });
  const editor = h('textarea', {
    id: 'policy-document',
    name: 'document',
    rows: 22,
    spellcheck: false,
    class: 'mono',
    oninput: () => (dirty = true),
  });
  const comment = h('input', {
    id: 'policy-comment',
    name: 'comment',
    type: 'text',
    maxlength: 500,
  });
  const form = h(
    'form',
    { class: 'card policy-editor', 'aria-labelledby': 'policy-edit-title' },
    h('h2', { id: 'policy-edit-title' }, 'Edit policy'),
    h('label', { for: 'policy-document' }, 'Policy document (JSON)'),
    editor,
    h('label', { for: 'policy-comment' }, 'Comment'),
    comment,
    problems,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => check() }, 'Check'),
      h('button', { type: 'submit', class: 'primary' }, 'Save policy'),
    ),
  );
  const element = h(
    'section',
    { class: 'view', 'aria-labelledby': 'policy-title' },
    h('header', { class: 'view-header' }, h('h1', { id: 'policy-title' }, 'Router policy')),
    h(
      'div',
      { class: 'columns' },
      currentBox,
      ctx.role === 'admin'
        ? form
        : h('p', { class: 'muted card' }, 'Changing the policy needs an admin key.'),
    ),
    historyBox,
  );

  const check = () => {
    const draft = readPolicyDraft(editor.value);
    if (!draft.ok) {
      problems.replaceChildren(
        h(
          'div',
          { class: 'error-box', role: 'alert' },
          h('p', {}, `The policy is ${draft.problem}`),
        ),
      );
      return undefined;
    }
    problems.replaceChildren(
      h(
        'p',
        { class: 'ok' },
        'The document is well-formed JSON; the API checks every rule when you save.',
      ),
    );
    return draft.document;
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const document = check();
    if (!document) return;
    void (async () => {
      try {
        const saved = await ctx.api.put<PolicyVersion>('/v1/policy', {
          document,
          ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
        });
        dirty = false;
        problems.replaceChildren(
          h(
            'p',
            { class: 'ok', role: 'status' },
            `Saved as version ${saved.version}; routers apply it within seconds.`,
          ),
        );
        ctx.announce(`Router policy version ${saved.version} saved`);
        await load();
      } catch (err) {
        problems.replaceChildren(errorBox(err));
      }
    })();
  });

  async function load(): Promise<void> {
    // With no stored version the API answers 404 for the policy in force; the history
    // already says so, and asking anyway would only log a failed request in the console.
    const versions = await loadHistory();
    try {
      current = versions === 0 ? null : await ctx.api.get<PolicyVersion>('/v1/policy');
    } catch (err) {
      if (!(err instanceof ApiRequestError && err.status === 404)) {
        replaceChildren(currentBox, errorBox(err));
        return;
      }
      current = null;
    }
    replaceChildren(
      currentBox,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'policy-current-title' },
        h('h2', { id: 'policy-current-title' }, 'In force'),
        current
          ? h(
              'dl',
              { class: 'facts' },
              h('dt', {}, 'Version'),
              h('dd', {}, String(current.version)),
              h('dt', {}, 'Saved'),
              h('dd', {}, `${formatDateTime(current.createdAt)} by ${current.createdBy}`),
              h('dt', {}, 'Comment'),
              h('dd', {}, current.comment ?? '—'),
            )
          : h('p', {}, 'No policy has been stored: routers use the defaults.'),
        h(
          'pre',
          { class: 'mono policy-json', tabindex: 0, 'aria-label': 'Policy in force' },
          JSON.stringify(current?.document ?? {}, null, 2),
        ),
      ),
    );
    if (!dirty) editor.value = JSON.stringify(current?.document ?? {}, null, 2);
  }

  /** Shows the history and returns how many versions there are (undefined when unknown). */
  async function loadHistory(): Promise<number | undefined> {
    try {
      const { items } = await ctx.api.get<{ items: HistoryItem[] }>('/v1/policy/history');
      replaceChildren(
        historyBox,
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'policy-history-title' },
          h('h2', { id: 'policy-history-title' }, 'History'),
          items.length === 0
            ? h('p', { class: 'muted' }, 'No versions yet.')
            : h(
                'table',
                { class: 'compact policy-history' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ['Version', 'Saved', 'By', 'Comment'].map((t) => h('th', { scope: 'col' }, t)),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  items.map((v) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, String(v.version)),
                      h('td', {}, formatDateTime(v.createdAt)),
                      h('td', {}, v.createdBy),
                      h('td', {}, v.comment ?? ''),
                    ),
                  ),
                ),
              ),
        ),
      );
      return items.length;
    } catch (err) {
      replaceChildren(historyBox, errorBox(err));
      return undefined;
    }
  }

  void load();
  return {
    element,
    onEvent(event: LiveEvent) {
      if (event.type === 'policy.changed') void load();
    },
    onResumed: () => void load(),
  };
}
