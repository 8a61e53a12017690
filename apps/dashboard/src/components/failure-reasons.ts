import { append, h } from '../dom.js';
import type { DeliveryList } from '../api-types.js';
import type { AppContext } from '../app-context.js';
import { PROBLEM_STATES } from '../delivery-states.js';
import { formatNumber } from '../format.js';
import { errorBox } from './error-box.js';

// Enough rows to show the pattern of a failing rollout without paging through all of it.
const SAMPLE = 1_000;

/** Failed, timed-out and rejected deliveries grouped by the reason given. */
export async function failureReasons(ctx: AppContext, campaignId: string): Promise<HTMLElement> {
  const box = h('section', { class: 'failures card', 'aria-labelledby': `failures-${campaignId}` });
  box.append(h('h2', { id: `failures-${campaignId}` }, 'Failure reasons'));
  try {
    const lists = await Promise.all(
      PROBLEM_STATES.map((state) =>
        ctx.api.get<DeliveryList>(
          `/v1/campaigns/${campaignId}/deliveries?state=${state}&limit=${SAMPLE}`,
        ),
      ),
    );
    const groups = new Map<string, { state: string; reason: string; count: number }>();
    for (const d of lists.flatMap((l) => l.items)) {
      const reason = d.lastError ?? 'no reason given';
      const key = `${d.state}\u0000${reason}`;
      const g = groups.get(key) ?? { state: d.state, reason, count: 0 };
      g.count += 1;
      groups.set(key, g);
    }
    const rows = [...groups.values()].sort((a, b) => b.count - a.count);
    if (rows.length === 0) {
      box.append(h('p', { class: 'muted' }, 'No failed, timed-out or rejected deliveries.'));
      return box;
    }
    const partial = lists.some((l) => l.nextCursor);
    append(box, [
      h(
        'table',
        { class: 'compact' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Reason', 'State', 'Deliveries'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((g) =>
            h(
              'tr',
              {},
              h('td', {}, g.reason),
              h('td', {}, h('span', { class: `badge state-${g.state}` }, g.state)),
              h('td', {}, formatNumber(g.count)),
            ),
          ),
        ),
      ),
      partial
        ? h(
            'p',
            { class: 'muted' },
            `Grouped from the first ${formatNumber(SAMPLE)} of each state.`,
          )
        : null,
    ]);
  } catch (err) {
    box.append(errorBox(err));
  }
  return box;
}
