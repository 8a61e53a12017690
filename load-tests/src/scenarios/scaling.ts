import { join } from 'node:path';
import { loadScenarios } from '../registry.js';
import { scenarioMachine } from '../runner/machine.js';
import { toMiB, toSeconds } from '../runner/units.js';
import type {
  CpuWindow,
  Measurement,
  Scenario,
  ScenarioOptions,
  ScenarioResult,
  Series,
} from '../scenario.js';

/**
 * How fan-out time and router memory grow with the fleet: re-runs the fanout and
 * router-connections scenarios at growing sizes and draws their figures against fleet size.
 * It measures nothing itself, so an input that is missing or fails leaves a note, not a number.
 */

const FULL_SIZES = [10_000, 100_000, 1_000_000];
const SMOKE_SIZES = [100, 1_000];

interface Input {
  scenario: string;
  /** What the sweep draws from the input's results. */
  what: string;
  chart: string;
  /** Whether a measurement of the input is one to draw against fleet size. */
  include(m: Measurement): boolean;
  /** CPU windows of the input drawn by fleet size, and which processes of them. */
  cpuWindows: string[];
  cpuProcesses: string[];
  /** A growth target between 100k and 1M vehicles on one of the drawn measurements. */
  growthTarget?: { id: string; measurement: string };
}

const TARGET_FROM = 100_000;
const TARGET_TO = 1_000_000;

const INPUTS: Input[] = [
  {
    scenario: 'fanout',
    what: 'fan-out time',
    chart: 'Fan-out by fleet size',
    // Times of the whole fan-out or its phases; request latencies are not fan-out time.
    include: (m) =>
      !/p\d{2}|latency|status|CPU/i.test(m.name) && toSeconds(m.value, m.unit) !== undefined,
    cpuWindows: ['fan-out, request to last delivery recorded'],
    cpuProcesses: ['bridge', 'postgres', 'api'],
    growthTarget: {
      id: 'campaign-growth',
      measurement: 'fan-out time, request to last delivery recorded',
    },
  },
  {
    scenario: 'router-connections',
    what: 'router memory',
    chart: 'Router memory by fleet size',
    include: (m) => toMiB(m.value, m.unit) !== undefined,
    cpuWindows: [],
    cpuProcesses: [],
  },
];

/** Fleet sizes to sweep: the smoke pair, the default ladder, or a ladder ending at `--vehicles`. */
export function fleetSizes(options: Pick<ScenarioOptions, 'vehicles' | 'smoke'>): number[] {
  if (options.vehicles !== undefined) {
    const top = options.vehicles;
    return [...new Set([Math.round(top / 100), Math.round(top / 10), top].filter((n) => n >= 1))];
  }
  return options.smoke ? SMOKE_SIZES : FULL_SIZES;
}

/**
 * A measurement name without the fleet size in it, so every size lands on one line:
 * "resident memory with 4000 idle connections" → "resident memory with N idle connections".
 * The size may be written plainly, grouped (1,000,000) or short (10k, 1M).
 */
export function sizeFree(name: string, sizes: readonly number[]): string {
  const spellings = new Set<string>();
  for (const size of sizes) {
    spellings.add(String(size));
    spellings.add(size.toLocaleString('en-US'));
    spellings.add(size.toLocaleString('en-US').replace(/,/g, '_'));
    if (size % 1_000_000 === 0) spellings.add(`${size / 1_000_000}M`);
    else if (size % 1000 === 0) spellings.add(`${size / 1000}k`);
  }
  let out = name;
  for (const spelling of [...spellings].sort((a, b) => b.length - a.length)) {
    out = out.replace(
      new RegExp(
        `(?<!\\w)(?<!\\d[.,])${spelling.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w|[.,]\\d)`,
        'g',
      ),
      'N',
    );
  }
  return out;
}

/** The exponent k in y ∝ x^k between the first and last point: 1 is linear growth. */
function growthExponent(points: ReadonlyArray<{ x: number; y: number }>): number | undefined {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last || first === last || first.y <= 0 || last.y <= 0) return undefined;
  return Math.log(last.y / first.y) / Math.log(last.x / first.x);
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const sizes = fleetSizes(options);
  const { scenarios } = await loadScenarios();
  const notes: string[] = [];
  const series: Series[] = [];
  const measurements: Measurement[] = [];
  const cpu: CpuWindow[] = [];
  const available = INPUTS.filter((input) => {
    if (scenarios.some((s) => s.name === input.scenario)) return true;
    notes.push(
      `${input.what} by fleet size not measured: the ${input.scenario} scenario has not landed.`,
    );
    return false;
  });
  const steps = available.length * sizes.length;
  let step = 0;

  for (const input of available) {
    const scenario = scenarios.find((s) => s.name === input.scenario) as Scenario;
    const lines = new Map<string, Series>();
    // One chart per measurement (per-connection and total memory differ a thousandfold),
    // Roadcast and its baseline drawn together in the measurement's own unit.
    const line = (name: string, measurement: string, unit: string): Series => {
      let s = lines.get(name);
      if (!s) {
        s = {
          name,
          chart: `${input.chart}: ${measurement}`,
          xLabel: 'vehicles',
          yLabel: unit,
          logX: true,
          points: [],
        };
        lines.set(name, s);
      }
      return s;
    };
    for (const size of sizes) {
      const label = `${input.scenario} at ${size.toLocaleString('en-US')} vehicles`;
      const base = step;
      options.progress?.(base, steps, label);
      let result: ScenarioResult;
      try {
        result = await scenario.run({
          vehicles: size,
          outDir: join(options.outDir, `${input.scenario}-${size}`),
          ...(options.durationS !== undefined ? { durationS: options.durationS } : {}),
          ...(options.smoke ? { smoke: true } : {}),
          ...(options.runIndex !== undefined ? { runIndex: options.runIndex } : {}),
          progress: (done, total) =>
            options.progress?.(base + (total > 0 ? Math.min(1, done / total) : 0), steps, label),
        });
      } catch (err) {
        const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
        notes.push(`${label} failed (${reason}); larger sizes were not tried.`);
        step += sizes.length - sizes.indexOf(size);
        break;
      }
      step += 1;
      // A scenario may measure fewer vehicles than asked (a descriptor or port limit); the
      // curve uses what it measured, and a size it could not reach is not drawn twice.
      const measured =
        typeof result.parameters.vehicles === 'number' ? result.parameters.vehicles : size;
      if (measured !== size)
        notes.push(`${label}: the scenario measured ${measured.toLocaleString('en-US')} vehicles.`);
      if (
        lines.size > 0 &&
        [...lines.values()].some((s) => s.points.some((p) => p.x === measured))
      ) {
        notes.push(
          `${input.what} beyond ${measured.toLocaleString('en-US')} vehicles not measured: ${input.scenario} does not go further here.`,
        );
        step += sizes.length - sizes.indexOf(size) - 1;
        break;
      }
      let drawn = 0;
      for (const m of result.measurements) {
        if (!input.include(m) || !Number.isFinite(m.value)) continue;
        drawn += 1;
        const name = sizeFree(m.name, [size, measured]);
        line(`Roadcast: ${name}`, name, m.unit).points.push({ x: measured, y: m.value });
        measurements.push({
          name: `${input.scenario}: ${name} at ${measured} vehicles`,
          value: m.value,
          unit: m.unit,
          ...(m.baseline ? { baseline: m.baseline } : {}),
          ...(m.ratio !== undefined ? { ratio: m.ratio } : {}),
          // The million-vehicle campaign targets are checked here; per-size copies of the
          // input's other targets would only repeat what the input itself reports.
          ...(m.targetId?.startsWith('campaign-')
            ? {
                targetId: m.targetId,
                ...(m.target ? { target: m.target } : {}),
                ...(m.goal ? { goal: m.goal } : {}),
              }
            : {}),
        });
        if (m.baseline && Number.isFinite(m.baseline.value)) {
          line(`${m.baseline.name}: ${name}`, name, m.unit).points.push({
            x: measured,
            y: m.baseline.value,
          });
        }
      }
      for (const w of result.cpu ?? []) {
        if (!input.cpuWindows.includes(w.name)) continue;
        cpu.push({
          ...w,
          name: `${input.scenario} at ${measured.toLocaleString('en-US')} vehicles: ${w.name}`,
        });
        for (const p of w.processes) {
          if (!input.cpuProcesses.includes(p.name)) continue;
          line(`${p.name}: CPU per ${w.unit}`, `CPU per ${w.unit}`, 'µs').points.push({
            x: measured,
            y: p.usPerUnit,
          });
        }
      }
      if (drawn === 0) {
        const units = [...new Set(result.measurements.map((m) => m.unit))].join(', ') || 'none';
        notes.push(`${label} reported no ${input.what} figure (units seen: ${units}).`);
      }
      // A scenario that stopped short of this size stops short of the larger ones too.
      if (measured < size && sizes.indexOf(size) < sizes.length - 1) {
        notes.push(
          `${input.what} beyond ${measured.toLocaleString('en-US')} vehicles not measured: ${input.scenario} does not go further here.`,
        );
        step += sizes.length - sizes.indexOf(size) - 1;
        break;
      }
    }
    for (const s of lines.values()) {
      series.push(s);
      const target =
        s.name === `Roadcast: ${input.growthTarget?.measurement}` ? input.growthTarget : undefined;
      const between = [TARGET_FROM, TARGET_TO].map((x) => s.points.find((p) => p.x === x));
      if (target && between.every((p) => p !== undefined)) {
        const k = growthExponent(between as Array<{ x: number; y: number }>);
        if (k !== undefined)
          measurements.push({
            name: `${input.scenario}: growth exponent of ${target.measurement}, 100,000 → 1,000,000 vehicles`,
            value: k,
            unit: '(1 = linear)',
            target: '<= 1 (no worse than linear)',
            goal: { compare: '<=', threshold: 1 },
            targetId: target.id,
          });
      }
      const k = growthExponent(s.points);
      if (k !== undefined && s.name.startsWith('Roadcast: ')) {
        measurements.push({
          name: `${input.scenario}: growth exponent of ${s.name.slice('Roadcast: '.length)}`,
          value: k,
          unit: '(1 = linear)',
        });
      }
    }
  }
  options.progress?.(steps, steps, 'done');
  return {
    scenario: 'scaling',
    startedAt,
    machine: scenarioMachine(),
    parameters: { sizes, inputs: INPUTS.map((i) => i.scenario) },
    measurements,
    notes: [
      'Each size is a separate run of the input scenario with its own start-up and tear-down; the growth exponent compares the smallest and largest size that completed.',
      ...notes,
    ],
    series,
    cpu,
  };
}

export const scaling: Scenario = {
  name: 'scaling',
  description:
    'How fan-out time and router memory grow with fleet size (10k, 100k, 1M vehicles), from runs of the fanout and router-connections scenarios.',
  run,
};
