import { h } from '../dom.js';
import type { CampaignDetail } from '../api-types.js';
import type { AppContext } from '../app-context.js';
import { confirmAction } from './confirm-dialog.js';
import { errorBox } from './error-box.js';

const RETRYABLE_STATUSES: ReadonlyArray<CampaignDetail['status']> = [
  'running',
  'paused',
  'completed',
];

/**
 * "Retry failed deliveries": failed and timed-out deliveries start a new attempt (a new notice
 * id) after a confirmation that says how many. Shown only when there is something to retry in
 * a campaign that allows it; the API has the last word.
 */
export function retryAction(
  ctx: AppContext,
  campaign: Pick<CampaignDetail, 'id' | 'name' | 'status' | 'counts'>,
  onChanged: (detail: CampaignDetail) => void,
): HTMLElement | null {
  const failing = campaign.counts.failed + campaign.counts.timed_out;
  if (failing === 0 || !RETRYABLE_STATUSES.includes(campaign.status)) return null;
  const problem = h('div', { class: 'action-problem' });
  const retry = async () => {
    const answer = await confirmAction({
      title: `Retry failed deliveries of “${campaign.name}”?`,
      message:
        `${failing} deliveries (${campaign.counts.failed} failed, ${campaign.counts.timed_out} timed out) ` +
        'start a new attempt: their vehicles get the notice again with a new notice id.' +
        (campaign.status === 'paused' ? ' They are sent when the campaign resumes.' : '') +
        (campaign.status === 'completed' ? ' The campaign runs again until they end.' : ''),
      confirmLabel: 'Retry deliveries',
    });
    if (answer === null) return;
    problem.replaceChildren();
    try {
      const result = await ctx.api.post<{ retried: number; campaign: CampaignDetail }>(
        `/v1/campaigns/${campaign.id}/retry`,
        {},
      );
      ctx.announce(`${result.retried} deliveries of ${campaign.name} retried`);
      onChanged(result.campaign);
    } catch (err) {
      problem.replaceChildren(errorBox(err));
    }
  };
  return h(
    'div',
    { class: 'campaign-actions' },
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'aria-label': `Retry failed deliveries of ${campaign.name}`,
        onclick: () => void retry(),
      },
      'Retry failed deliveries',
    ),
    problem,
  );
}
