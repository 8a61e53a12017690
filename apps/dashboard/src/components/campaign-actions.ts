import { h } from '../dom.js';
import type { CampaignDetail } from '../api-types.js';
import type { AppContext } from '../app-context.js';
import { confirmAction } from './confirm-dialog.js';
import { errorBox } from './error-box.js';

type Status = CampaignDetail['status'];
const FINAL: readonly Status[] = ['completed', 'cancelled', 'expired'];

/**
 * Pause, resume and cancel buttons for one campaign, each behind a confirmation. Buttons a
 * campaign's status does not allow are left out; the API still has the last word.
 */
export function campaignActions(
  ctx: AppContext,
  campaign: Pick<CampaignDetail, 'id' | 'name' | 'status'>,
  onChanged: (detail: CampaignDetail) => void,
): HTMLElement {
  const box = h('div', { class: 'campaign-actions' });
  const problem = h('div', { class: 'action-problem' });
  const act = async (action: 'pause' | 'resume' | 'cancel') => {
    const answer = await confirmAction(
      action === 'pause'
        ? {
            title: `Pause “${campaign.name}”?`,
            message: 'Deliveries not yet published wait until the campaign is resumed.',
            confirmLabel: 'Pause campaign',
            reasonLabel: 'Reason (optional)',
          }
        : action === 'resume'
          ? {
              title: `Resume “${campaign.name}”?`,
              message: 'Publishing continues with the waiting deliveries.',
              confirmLabel: 'Resume campaign',
            }
          : {
              title: `Cancel “${campaign.name}”?`,
              message:
                'Deliveries still pending are cancelled and vehicles that were told get a cancel notice. This cannot be undone.',
              confirmLabel: 'Cancel campaign',
              danger: true,
            },
    );
    if (answer === null) return;
    problem.replaceChildren();
    try {
      const body =
        action === 'pause' && answer ? { reason: answer } : action === 'pause' ? {} : undefined;
      const detail = await ctx.api.post<CampaignDetail>(
        `/v1/campaigns/${campaign.id}/${action}`,
        body,
      );
      ctx.announce(`Campaign ${campaign.name} is ${detail.status}`);
      onChanged(detail);
    } catch (err) {
      problem.replaceChildren(errorBox(err));
    }
  };
  const button = (action: 'pause' | 'resume' | 'cancel', text: string, cls: string) =>
    h(
      'button',
      {
        type: 'button',
        class: cls,
        'aria-label': `${text} ${campaign.name}`,
        onclick: () => void act(action),
      },
      text,
    );
  if (campaign.status === 'running' || campaign.status === 'scheduled')
    box.append(button('pause', 'Pause', 'secondary'));
  if (campaign.status === 'paused') box.append(button('resume', 'Resume', 'primary'));
  if (!FINAL.includes(campaign.status)) box.append(button('cancel', 'Cancel', 'danger'));
  box.append(problem);
  return box;
}
