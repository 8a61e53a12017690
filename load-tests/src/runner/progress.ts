/**
 * Shows how far a benchmark has come on stderr, so stdout stays free for results: a bar
 * redrawn in place (`\r`) on a terminal, and a plain line every few seconds otherwise, which
 * is what a CI log can hold.
 */
export interface ProgressSink {
  /** A new run starts: `prefix` names it, e.g. `[2/5] fanout (run 1/3)`. */
  begin(prefix: string): void;
  update(done: number, total: number, label?: string): void;
  /** The run ended; `summary` is printed on its own line. */
  end(summary: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Between two plain lines (default 10 s); a terminal redraws at most ten times a second. */
  lineIntervalMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 24;

function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** `done/total` as a bar; a total of 0 means the scenario has not said how much there is. */
export function renderBar(done: number, total: number, width = BAR_WIDTH): string {
  if (!(total > 0)) return `[${'·'.repeat(width)}]`;
  const fraction = Math.min(1, Math.max(0, done / total));
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
}

export function createProgress(options: ProgressOptions = {}): ProgressSink {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const interactive = stream.isTTY === true;
  const lineInterval = options.lineIntervalMs ?? 10_000;
  let prefix = '';
  let started = 0;
  let lastDraw = 0;
  let lastLabel: string | undefined;
  let state = { done: 0, total: 0, label: undefined as string | undefined };
  let heartbeat: NodeJS.Timeout | undefined;

  function text(): string {
    const label = state.label ? ` ${state.label}` : '';
    return `${prefix} ${renderBar(state.done, state.total)} ${formatElapsed(now() - started)}${label}`;
  }

  function draw(force: boolean): void {
    const t = now();
    if (interactive) {
      if (!force && t - lastDraw < 100) return;
      const columns = stream.columns ?? 100;
      stream.write(
        `\r${text()
          .slice(0, columns - 1)
          .padEnd(columns - 1)}`,
      );
    } else {
      // A new phase is worth a line soon (at most one a second, for scenarios whose labels
      // change fast); otherwise one line per interval.
      const wait = state.label !== lastLabel ? Math.min(1000, lineInterval) : lineInterval;
      if (!force && t - lastDraw < wait) return;
      stream.write(`${text()}\n`);
      lastLabel = state.label;
    }
    lastDraw = t;
  }

  return {
    begin(name) {
      prefix = name;
      started = now();
      lastDraw = 0;
      lastLabel = undefined;
      state = { done: 0, total: 0, label: undefined };
      draw(true);
      // A scenario that reports nothing for a while still shows that time passes.
      heartbeat = setInterval(() => draw(false), interactive ? 1000 : lineInterval);
      heartbeat.unref();
    },
    update(done, total, label) {
      state = { done, total, label: label ?? state.label };
      draw(false);
    },
    end(summary) {
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      if (interactive) stream.write(`\r${' '.repeat(Math.max(0, (stream.columns ?? 100) - 1))}\r`);
      stream.write(`${prefix} ${summary} (${formatElapsed(now() - started)})\n`);
    },
  };
}
