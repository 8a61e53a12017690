/** What every benchmark scenario takes and returns, so one runner can drive them all. */
export interface ScenarioOptions {
  /** Fleet size where the scenario has one; each scenario has its own default. */
  vehicles?: number;
  /** Measuring time in seconds where the scenario is time-based. */
  durationS?: number;
  /** Folder for raw results and charts. */
  outDir: string;
  /** A tiny run that proves the harness works; numbers from it mean nothing. */
  smoke?: boolean;
  /**
   * Reports how far a long run has come, e.g. `progress(40_000, 100_000, 'materializing')`.
   * `total` may change between calls when a phase starts; the runner draws a progress bar.
   */
  progress?(done: number, total: number, label?: string): void;
}

/**
 * A target as a number, so the report can say by how much it was missed. Without it the
 * report reads the `target` text (forms such as `>= 0.9x HAProxy`, `<= 10 s`,
 * `<= HAProxy + 1 ms`); a target it cannot read is reported with the scenario's own `met`.
 */
export interface Goal {
  /** `>=`: higher is better; `<=`: lower is better. */
  compare: '>=' | '<=';
  /** The threshold, in the unit of `on`. */
  threshold: number;
  /** What the threshold applies to: the measurement's value (default) or its ratio. */
  on?: 'value' | 'ratio';
}

export interface Measurement {
  name: string;
  /** Roadcast's figure. */
  value: number;
  unit: string;
  /** The baseline measured in the same run, and what it is. */
  baseline?: { name: string; value: number };
  /** value / baseline.value, so noisy machines still compare like with like. */
  ratio?: number;
  /** The target this figure is held to, in words (e.g. ">= 0.9x HAProxy"). */
  target?: string;
  /** The same target as a number; see {@link Goal}. */
  goal?: Goal;
  met?: boolean;
}

/** A curve such as "fan-out time by fleet size", drawn as a line chart in the report. */
export interface Series {
  name: string;
  xLabel: string;
  yLabel: string;
  /** Points in x order; several lines may share one chart when they share a `chart` name. */
  points: Array<{ x: number; y: number }>;
  /** Series with the same chart name are drawn together (default: the series name). */
  chart?: string;
  /** Draw the x axis on a log scale (fleet sizes that grow tenfold). */
  logX?: boolean;
}

export interface ScenarioResult {
  scenario: string;
  startedAt: string;
  machine: { cpus: number; memoryGiB: number; node: string; cpuModel?: string };
  parameters: Record<string, unknown>;
  measurements: Measurement[];
  notes: string[];
  /** Curves to chart beside the measurements. */
  series?: Series[];
}

export interface Scenario {
  name: string;
  description: string;
  run(options: ScenarioOptions): Promise<ScenarioResult>;
}
