import { h, replaceChildren } from '../dom.js';
import type { EdgePool, VehicleDetail } from '../api-types.js';
import type { AppContext } from '../app-context.js';
import { errorBox } from '../components/error-box.js';
import { vehicleCard } from '../components/vehicle-card.js';

/** Find a vehicle by id; admins may pin it to a pool or move it there. */
export function vehicleLookup(ctx: AppContext, pools: () => EdgePool[]): { element: HTMLElement } {
  const result = h('div', { class: 'lookup-result', 'aria-live': 'polite' });
  const input = h('input', {
    id: 'vehicle-lookup-id',
    name: 'vehicleId',
    type: 'search',
    required: true,
    spellcheck: false,
    autocomplete: 'off',
  });

  const show = async (id: string) => {
    replaceChildren(result, h('p', { class: 'muted' }, `Looking up ${id}…`));
    try {
      const vehicle = await ctx.api.get<VehicleDetail>(`/v1/vehicles/${encodeURIComponent(id)}`);
      replaceChildren(
        result,
        h('h3', {}, `Vehicle ${vehicle.id}`),
        vehicleCard(vehicle),
        ctx.role === 'admin' ? pinForm(vehicle) : null,
      );
    } catch (err) {
      replaceChildren(result, errorBox(err));
    }
  };

  const pinForm = (vehicle: VehicleDetail) => {
    const select = h(
      'select',
      { id: 'pin-pool', name: 'poolId' },
      pools().map((p) =>
        h('option', { value: p.id, selected: p.id === vehicle.poolId }, `${p.name} (${p.id})`),
      ),
    );
    const mode = h(
      'select',
      { id: 'pin-mode', name: 'mode' },
      h('option', { value: 'pin' }, 'pin (keep it there)'),
      h('option', { value: 'move' }, 'move (may be reassigned)'),
    );
    const problem = h('div', {});
    const form = h(
      'form',
      { class: 'pin-form toolbar', 'aria-label': `Assign ${vehicle.id} to a pool` },
      h('label', { for: 'pin-pool' }, 'Pool'),
      select,
      h('label', { for: 'pin-mode' }, 'How'),
      mode,
      h('button', { type: 'submit', class: 'primary' }, 'Assign'),
      problem,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void (async () => {
        try {
          await ctx.api.put(`/v1/vehicles/${encodeURIComponent(vehicle.id)}/pool`, {
            poolId: select.value,
            mode: mode.value,
          });
          ctx.announce(`${vehicle.id} assigned to ${select.value}`);
          await show(vehicle.id);
        } catch (err) {
          problem.replaceChildren(errorBox(err));
        }
      })();
    });
    return form;
  };

  const form = h(
    'form',
    { class: 'toolbar', role: 'search', 'aria-label': 'Vehicle lookup' },
    h('label', { for: 'vehicle-lookup-id' }, 'Vehicle id'),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Look up'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = input.value.trim();
    if (id) void show(id);
  });
  return {
    element: h(
      'section',
      { class: 'card lookup', 'aria-labelledby': 'lookup-title' },
      h('h2', { id: 'lookup-title' }, 'Vehicle lookup'),
      form,
      result,
    ),
  };
}
