import { h } from '../dom.js';
import { ApiClient, type Role } from '../api-client.js';
import { errorBox } from '../components/error-box.js';

/** Asks for an API key once; the shell keeps it for this tab only. */
export function loginView(onSignedIn: (api: ApiClient, role: Role) => void): HTMLElement {
  const input = h('input', {
    id: 'api-key',
    name: 'apiKey',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: false,
  });
  const problem = h('div', { 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login card', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Roadcast'),
    h('p', {}, 'Campaign rollouts and edge health, live. Sign in with a Roadcast API key.'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('small', { class: 'hint' }, 'Kept in this browser tab only, until it is closed.'),
    problem,
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    problem.replaceChildren();
    const api = new ApiClient(key);
    api
      .role()
      .then((role) => onSignedIn(api, role))
      .catch((err: unknown) => problem.replaceChildren(errorBox(err)))
      .finally(() => (submit.disabled = false));
  });
  queueMicrotask(() => input.focus());
  return form;
}
