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
   * Which run of `--repeat` this is, from 0. Scenarios rotate the order of their baseline and
   * Roadcast measurements by it, so neither side is always measured first on a cold cache.
   */
  runIndex?: number;
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
  /**
   * The product target this figure checks (an id from the report's target list), so the
   * report pairs them by name rather than by guessing from words.
   */
  targetId?: string;
  /**
   * Why this figure must not be judged against its target, e.g. the load generator could not
   * send at the intended rate. The report shows it as not scored.
   */
  unscored?: string;
  /**
   * The noise band around zero in the measurement's unit: a difference (an added latency)
   * with |value| at or below it is reported as "within noise", never as met.
   */
  noise?: number;
}

/** Who a process is in a measurement: the product, the baseline, a shared service, the load. */
export type ProcessRole = 'roadcast' | 'baseline' | 'service' | 'load';

/**
 * CPU of the exact processes of a scenario over one measured window, per unit of work: the
 * primary figures, because µs per notice carries across machines where rates do not.
 */
export interface CpuWindow {
  /** What was measured, e.g. `fan-out` or `relay through HAProxy`. */
  name: string;
  /** One unit of work, e.g. `notice` or `relayed message`. */
  unit: string;
  units: number;
  wallS: number;
  processes: Array<{
    name: string;
    role: ProcessRole;
    cpuS: number;
    usPerUnit: number;
    /** Root processes counted (a database's backends may be many). */
    processes: number;
    /** Part of another entry (a database's backends within the Postgres cluster). */
    within?: string;
  }>;
  /** Busy CPU of the whole machine in the window, and what no listed process used. */
  machineCpuS?: number;
  otherCpuS?: number;
  notes?: string[];
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
  machine: { cpus: number; memoryGiB: number; node: string; cpuModel?: string; kernel?: string };
  parameters: Record<string, unknown>;
  measurements: Measurement[];
  notes: string[];
  /** Curves to chart beside the measurements. */
  series?: Series[];
  /** CPU per unit of work of every process involved, one entry per measured window. */
  cpu?: CpuWindow[];
}

export interface Scenario {
  name: string;
  description: string;
  run(options: ScenarioOptions): Promise<ScenarioResult>;
}
