import { h } from '../dom.js';
import type { CampaignDetail } from '../api-types.js';
import type { AppContext } from '../app-context.js';
import { campaignRequest, type CampaignFormValues } from '../campaign-request.js';
import { errorBox } from '../components/error-box.js';

let formCount = 0;

/**
 * The create-campaign form: target by vehicle ids or by a filter, rollout waves with
 * thresholds, priority, start and expiry. What the API refuses is listed above the buttons.
 */
export function campaignForm(
  ctx: AppContext,
  onCreated: (c: CampaignDetail) => void,
  onClose: () => void,
): HTMLElement {
  const n = (formCount += 1);
  const id = (name: string) => `cf${n}-${name}`;
  const field = (
    name: keyof CampaignFormValues,
    label: string,
    attrs: Record<string, string | number | boolean> = {},
    hint?: string,
  ) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id(name) }, label),
      h('input', {
        id: id(name),
        name,
        type: 'text',
        ...(hint ? { 'aria-describedby': id(`${name}-hint`) } : {}),
        ...attrs,
      }),
      hint ? h('small', { id: id(`${name}-hint`), class: 'hint' }, hint) : null,
    );
  const area = (name: keyof CampaignFormValues, label: string, hint: string) =>
    h(
      'div',
      { class: 'field wide' },
      h('label', { for: id(name) }, label),
      h('textarea', { id: id(name), name, rows: 3, 'aria-describedby': id(`${name}-hint`) }),
      h('small', { id: id(`${name}-hint`), class: 'hint' }, hint),
    );
  const problems = h('div', { class: 'form-problems', 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create campaign');
  const modeRadio = (value: 'ids' | 'filter', text: string, checked: boolean) =>
    h(
      'label',
      { class: 'radio' },
      h('input', { type: 'radio', name: 'targetMode', value, checked }),
      text,
    );
  const idsBox = h(
    'div',
    { class: 'target-ids' },
    area('vehicleIds', 'Vehicle ids', 'Separated by spaces, commas or new lines'),
  );
  const filterBox = h(
    'div',
    { class: 'target-filter grid', hidden: true },
    field('model', 'Model'),
    field('region', 'Region'),
    field('softwareVersion', 'Software version'),
    field('tags', 'Tags', {}, 'Vehicles carrying all of these tags'),
  );
  const form = h(
    'form',
    { class: 'campaign-form card', 'aria-labelledby': id('title'), novalidate: true },
    h('h2', { id: id('title') }, 'New campaign'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Update'),
      h(
        'div',
        { class: 'grid' },
        field('name', 'Campaign name', { required: true, maxlength: 200 }),
        field('updateId', 'Update id', { required: true }),
        field('updateVersion', 'Version', { required: true }),
        field('updateUrl', 'Image URL', { type: 'url', required: true, placeholder: 'https://' }),
        field(
          'updateSha256',
          'SHA-256',
          { required: true, spellcheck: false },
          '64 hexadecimal digits',
        ),
        field('updateSize', 'Size (bytes)', { inputmode: 'numeric', required: true }),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Target'),
      h(
        'div',
        { class: 'radios' },
        modeRadio('ids', 'By vehicle ids', true),
        modeRadio('filter', 'By filter', false),
      ),
      idsBox,
      filterBox,
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Rollout'),
      h(
        'div',
        { class: 'grid' },
        field(
          'waves',
          'Waves (cumulative %)',
          { placeholder: '10, 50, 100' },
          'Empty: one wave of 100%',
        ),
        field(
          'successPercent',
          'Success threshold (%)',
          { inputmode: 'decimal', placeholder: '95' },
          'Installed share that starts the next wave',
        ),
        field(
          'failurePercent',
          'Failure threshold (%)',
          { inputmode: 'decimal', placeholder: '5' },
          'Failed share that pauses the campaign',
        ),
        field(
          'approvalWaves',
          'Waves needing approval',
          { placeholder: '2, 3' },
          'Wave numbers that wait for an operator to approve them',
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { for: id('thresholdBasis') }, 'Thresholds judged over'),
          h(
            'select',
            { id: id('thresholdBasis'), name: 'thresholdBasis' },
            h('option', { value: 'target', selected: true }, 'Every vehicle of the wave'),
            h('option', { value: 'reached' }, 'Vehicles reached'),
          ),
        ),
        field('priority', 'Priority', { inputmode: 'numeric', placeholder: '0' }),
        field('startAt', 'Start', { type: 'datetime-local' }, 'Empty: now'),
        field('expiresAt', 'Expiry', { type: 'datetime-local' }, 'Empty: 30 days after the start'),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Timeouts and retries'),
      h(
        'div',
        { class: 'grid' },
        field(
          'timeoutMinutes',
          'In-progress timeout (minutes)',
          { inputmode: 'decimal', placeholder: 'none' },
          'A vehicle silent this long after reporting progress counts as timed out (a failure)',
        ),
        field(
          'retryMaxAttempts',
          'Automatic retry: attempts in all',
          { inputmode: 'numeric', placeholder: 'none' },
          '2–10, the first included; empty: failures are not retried by themselves',
        ),
        field(
          'retryBackoffSeconds',
          'Retry backoff (seconds)',
          { inputmode: 'numeric', placeholder: '300' },
          'Wait before the first retry, doubling with each attempt',
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { for: id('onFailureThreshold') }, 'When the failure threshold is crossed'),
          h(
            'select',
            { id: id('onFailureThreshold'), name: 'onFailureThreshold' },
            h('option', { value: 'pause', selected: true }, 'Pause the campaign'),
            h('option', { value: 'cancel' }, 'Cancel it and tell the vehicles'),
          ),
        ),
      ),
    ),
    problems,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: onClose }, 'Close'),
      submit,
    ),
  );
  form.addEventListener('change', (e) => {
    const target = e.target as HTMLInputElement;
    if (target.name !== 'targetMode') return;
    idsBox.hidden = target.value !== 'ids';
    filterBox.hidden = target.value !== 'filter';
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      const data = new FormData(form);
      const values = Object.fromEntries(
        [...data.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : '']),
      ) as unknown as CampaignFormValues;
      problems.replaceChildren();
      submit.disabled = true;
      try {
        const created = await ctx.api.post<CampaignDetail>(
          '/v1/campaigns',
          campaignRequest(values),
        );
        ctx.announce(`Campaign ${created.name} created for ${created.total} vehicles`);
        onCreated(created);
      } catch (err) {
        problems.replaceChildren(errorBox(err));
      } finally {
        submit.disabled = false;
      }
    })();
  });
  return form;
}
