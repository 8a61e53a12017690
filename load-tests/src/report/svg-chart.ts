import { escapeXml, formatCompact } from './format.js';

// Charts as plain SVG text: the report needs bars and lines, not a charting library.

export interface Bar {
  label: string;
  value: number;
  /** Whiskers for the spread of repeated runs. */
  low?: number;
  high?: number;
}

export interface ReferenceLine {
  value: number;
  label: string;
}

export interface BarChartSpec {
  title: string;
  /** Names what the bars are (drawn beside the category labels). */
  categoryLabel: string;
  /** Names the value axis, with its unit. */
  valueLabel: string;
  bars: Bar[];
  references?: ReferenceLine[];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  lines: Array<{ name: string; points: Array<{ x: number; y: number }> }>;
}

const WIDTH = 760;
const PALETTE = ['#2f6db3', '#d9822b', '#3a9a5b', '#b5403a', '#7a5cb8', '#6b6b6b'];
const STYLE =
  '<style>text{font-family:system-ui,sans-serif;font-size:12px;fill:#222}.title{font-size:15px;font-weight:600}' +
  '.axis-label{font-size:12px;font-weight:600}.grid{stroke:#ddd;stroke-width:1}.axis{stroke:#444;stroke-width:1}' +
  '.ref{stroke:#b5403a;stroke-width:1.5;stroke-dasharray:5 4}</style>';

/** Round steps (1, 2 or 5 times a power of ten) that cover [min, max] in about `count` ticks. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.5;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  if ((ticks[ticks.length - 1] ?? 0) < max)
    ticks.push(Number(((ticks[ticks.length - 1] ?? 0) + step).toPrecision(12)));
  return ticks;
}

/** Tick labels with as many decimals as the step needs, so one axis reads 0.5, 1.0, 1.5. */
function tickLabel(value: number, ticks: readonly number[]): string {
  const step = Math.abs((ticks[1] ?? 1) - (ticks[0] ?? 0)) || 1;
  if (Math.abs(value) >= 1e4 || step >= 1) return formatCompact(value);
  return value.toFixed(Math.min(6, Math.max(0, -Math.floor(Math.log10(step)))));
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attributes ? ` ${attributes}` : ''}>${escapeXml(content)}</text>`;
}

function shorten(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

function document(height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    STYLE,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    text(WIDTH / 2, 22, title, 'class="title" text-anchor="middle"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Horizontal bars, one per category, with optional whiskers and dashed reference lines. */
export function barChart(spec: BarChartSpec): string {
  const left = 300;
  const right = 40;
  const top = 44;
  const rowHeight = 28;
  const plotHeight = Math.max(1, spec.bars.length) * rowHeight;
  const height = top + plotHeight + 62;
  const values = spec.bars.flatMap((b) => [b.value, b.low ?? b.value, b.high ?? b.value]);
  values.push(...(spec.references ?? []).map((r) => r.value), 0);
  const finite = values.filter(Number.isFinite);
  const ticks = niceTicks(Math.min(...finite), Math.max(...finite));
  const lo = ticks[0] as number;
  const hi = ticks[ticks.length - 1] as number;
  const plotWidth = WIDTH - left - right;
  const sx = (v: number): number => left + ((v - lo) / (hi - lo)) * plotWidth;
  const body: string[] = [];
  for (const t of ticks) {
    body.push(
      `<line class="grid" x1="${sx(t).toFixed(1)}" y1="${top}" x2="${sx(t).toFixed(1)}" y2="${top + plotHeight}"/>`,
    );
    body.push(text(sx(t), top + plotHeight + 16, tickLabel(t, ticks), 'text-anchor="middle"'));
  }
  spec.bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    const from = sx(Math.max(lo, Math.min(0, hi)));
    const to = Number.isFinite(bar.value) ? sx(bar.value) : from;
    const color = PALETTE[i % PALETTE.length] as string;
    body.push(
      `<rect x="${Math.min(from, to).toFixed(1)}" y="${(y + 6).toFixed(1)}" width="${Math.abs(to - from).toFixed(1)}" height="${rowHeight - 12}" fill="${color}"><title>${escapeXml(`${bar.label}: ${bar.value}`)}</title></rect>`,
    );
    body.push(text(left - 8, y + rowHeight / 2 + 4, shorten(bar.label, 42), 'text-anchor="end"'));
    if (bar.low !== undefined && bar.high !== undefined && bar.high > bar.low) {
      const mid = y + rowHeight / 2;
      body.push(
        `<path class="axis" d="M${sx(bar.low).toFixed(1)} ${mid}H${sx(bar.high).toFixed(1)}M${sx(bar.low).toFixed(1)} ${mid - 5}V${mid + 5}M${sx(bar.high).toFixed(1)} ${mid - 5}V${mid + 5}"/>`,
      );
    }
  });
  // The lowest reference is labelled on its left, the others on their right, so two lines
  // close together (a target just under parity) keep readable labels.
  const references = [...(spec.references ?? [])].sort((a, b) => a.value - b.value);
  references.forEach((ref, i) => {
    const x = sx(ref.value);
    const leftSide = i === 0 && references.length > 1;
    body.push(
      `<line class="ref" x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${top + plotHeight}"/>`,
    );
    const anchor = leftSide ? ' text-anchor="end"' : '';
    body.push(text(leftSide ? x - 4 : x + 4, top - 6, ref.label, `fill="#b5403a"${anchor}`));
  });
  body.push(
    `<line class="axis" x1="${left}" y1="${top + plotHeight}" x2="${WIDTH - right}" y2="${top + plotHeight}"/>`,
  );
  body.push(`<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${top + plotHeight}"/>`);
  body.push(
    text(
      left + plotWidth / 2,
      top + plotHeight + 40,
      spec.valueLabel,
      'class="axis-label" text-anchor="middle"',
    ),
  );
  body.push(text(12, top + plotHeight + 40, spec.categoryLabel, 'class="axis-label"'));
  return document(height, spec.title, body);
}

/** Lines over a shared x axis (linear or log), with a marker at each point and a legend. */
export function lineChart(spec: LineChartSpec): string {
  const left = 80;
  const right = 30;
  const top = 44;
  const plotHeight = 280;
  const legendRows = Math.ceil(spec.lines.length / (spec.lines.length <= 4 ? 2 : 3));
  const height = top + plotHeight + 64 + legendRows * 18;
  const plotWidth = WIDTH - left - right;
  const points = spec.lines
    .flatMap((l) => l.points)
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const logX = spec.logX === true && points.length > 0 && points.every((p) => p.x > 0);
  const xs = points.map((p) => (logX ? Math.log10(p.x) : p.x));
  const ys = points.map((p) => p.y);
  const xTicks = logX
    ? rangeInclusive(Math.floor(Math.min(...xs)), Math.ceil(Math.max(...xs)))
    : niceTicks(Math.min(...xs, 0), Math.max(...xs, 1));
  const yTicks = niceTicks(Math.min(...ys, 0), Math.max(...ys, 1));
  const [x0, x1] = [xTicks[0] as number, xTicks[xTicks.length - 1] as number];
  const [y0, y1] = [yTicks[0] as number, yTicks[yTicks.length - 1] as number];
  const sx = (x: number): number =>
    left + (((logX ? Math.log10(x) : x) - x0) / (x1 - x0 || 1)) * plotWidth;
  const sy = (y: number): number => top + plotHeight - ((y - y0) / (y1 - y0 || 1)) * plotHeight;
  const body: string[] = [];
  for (const t of yTicks) {
    body.push(
      `<line class="grid" x1="${left}" y1="${sy(t).toFixed(1)}" x2="${WIDTH - right}" y2="${sy(t).toFixed(1)}"/>`,
    );
    body.push(text(left - 6, sy(t) + 4, tickLabel(t, yTicks), 'text-anchor="end"'));
  }
  for (const t of xTicks) {
    const value = logX ? 10 ** t : t;
    body.push(
      `<line class="grid" x1="${sx(value).toFixed(1)}" y1="${top}" x2="${sx(value).toFixed(1)}" y2="${top + plotHeight}"/>`,
    );
    body.push(
      text(
        sx(value),
        top + plotHeight + 16,
        logX ? formatCompact(value) : tickLabel(value, xTicks),
        'text-anchor="middle"',
      ),
    );
  }
  body.push(
    `<path class="axis" fill="none" d="M${left} ${top}V${top + plotHeight}H${WIDTH - right}"/>`,
  );
  spec.lines.forEach((line, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const drawn = line.points.filter(
      (p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logX || p.x > 0),
    );
    if (drawn.length > 1) {
      const d = drawn
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)} ${sy(p.y).toFixed(1)}`)
        .join('');
      body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const p of drawn) {
      body.push(
        `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(`${line.name}: ${p.x} → ${p.y}`)}</title></circle>`,
      );
    }
    const perRow = spec.lines.length === 1 ? 1 : spec.lines.length <= 4 ? 2 : 3;
    const lx = left + (i % perRow) * (perRow === 2 ? 330 : 220);
    const ly = top + plotHeight + 58 + Math.floor(i / perRow) * 18;
    body.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`);
    body.push(
      text(lx + 18, ly + 1, shorten(line.name, perRow === 1 ? 90 : perRow === 2 ? 48 : 30)),
    );
  });
  body.push(
    text(
      left + plotWidth / 2,
      top + plotHeight + 36,
      spec.xLabel,
      'class="axis-label" text-anchor="middle"',
    ),
  );
  body.push(
    text(
      18,
      top + plotHeight / 2,
      spec.yLabel,
      `class="axis-label" text-anchor="middle" transform="rotate(-90 18 ${top + plotHeight / 2})"`,
    ),
  );
  return document(height, spec.title, body);
}

function rangeInclusive(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= Math.max(from + 1, to); i += 1) out.push(i);
  return out;
}
