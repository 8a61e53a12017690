import { h } from '../dom.js';
import type { CampaignDetail, WaveProgress } from '../api-types.js';
import type { AppContext } from '../app-context.js';
import { confirmAction } from './confirm-dialog.js';
import { errorBox } from './error-box.js';

/**
 * The Approve button of a wave that awaits approval, behind a confirmation that may carry a
 * comment for the audit log. The approved wave starts at once; the API has the last word.
 */
export function waveApproval(
  ctx: AppContext,
  campaign: Pick<CampaignDetail, 'id' | 'name'>,
  wave: Pick<WaveProgress, 'index' | 'size'>,
  onChanged: (detail: CampaignDetail) => void,
): HTMLElement {
  const problem = h('div', { class: 'action-problem' });
  const number = wave.index + 1;
  const approve = async () => {
    const comment = await confirmAction({
      title: `Approve wave ${number} of “${campaign.name}”?`,
      message: `Its ${wave.size} vehicles are told about the update now.`,
      confirmLabel: `Approve wave ${number}`,
      reasonLabel: 'Comment (optional)',
    });
    if (comment === null) return;
    problem.replaceChildren();
    try {
      const detail = await ctx.api.post<CampaignDetail>(
        `/v1/campaigns/${campaign.id}/waves/${wave.index}/approve`,
        comment ? { comment } : {},
      );
      ctx.announce(`Wave ${number} of ${campaign.name} approved`);
      onChanged(detail);
    } catch (err) {
      problem.replaceChildren(errorBox(err));
    }
  };
  return h(
    'div',
    { class: 'wave-approval' },
    h(
      'button',
      {
        type: 'button',
        class: 'primary',
        'aria-label': `Approve wave ${number}`,
        onclick: () => void approve(),
      },
      'Approve',
    ),
    problem,
  );
}
