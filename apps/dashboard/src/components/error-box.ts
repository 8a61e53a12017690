import { h } from '../dom.js';
import { ApiRequestError } from '../api-error.js';

/** An API or network error as an alert, listing each validation problem the API named. */
export function errorBox(err: unknown): HTMLElement {
  const lines =
    err instanceof ApiRequestError
      ? err.lines()
      : [err instanceof Error ? err.message : String(err)];
  const [first, ...rest] = lines;
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('p', {}, first ?? 'Something went wrong'),
    rest.length > 0
      ? h(
          'ul',
          {},
          rest.map((line) => h('li', {}, line)),
        )
      : null,
    err instanceof ApiRequestError && err.requestId
      ? h('p', { class: 'muted' }, `Request ${err.requestId}`)
      : null,
  );
}
