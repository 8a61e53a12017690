import { h } from '../dom.js';

export interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
  /** Ask for a free-text reason (e.g. why a campaign is paused). */
  reasonLabel?: string;
  danger?: boolean;
}

/**
 * A modal confirmation with the native <dialog> (focus trapping and Escape come with it).
 * Resolves to the reason text (empty when none was asked) or null when dismissed.
 */
export function confirmAction(options: ConfirmOptions): Promise<string | null> {
  return new Promise((resolve) => {
    const reason = options.reasonLabel
      ? h('input', { type: 'text', name: 'reason', maxlength: 500, id: 'confirm-reason' })
      : null;
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'confirm-title' }, options.title),
        h('p', {}, options.message),
        reason ? h('label', { for: 'confirm-reason' }, options.reasonLabel ?? '') : null,
        reason,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', value: 'cancel', class: 'secondary' }, 'Keep as is'),
          h(
            'button',
            { type: 'submit', value: 'confirm', class: options.danger ? 'danger' : 'primary' },
            options.confirmLabel,
          ),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'confirm';
      dialog.remove();
      resolve(confirmed ? (reason?.value.trim() ?? '') : null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
