import { performance } from 'node:perf_hooks';
import type { CpuWindow, ProcessRole } from '../scenario.js';
import {
  clockTicksPerSecond,
  machineBusyTicks,
  processTree,
  readAllProcStats,
  type ProcStat,
} from './proc-stat.js';

/**
 * CPU used by the exact processes of a scenario over a measured window, from /proc: the
 * primary figure of every benchmark, because CPU per unit of work (µs per notice, per relayed
 * message, per ack) carries across machines where rates do not.
 *
 * Each source names root processes. A root counts with all its descendants, and with the
 * children they have reaped (cutime/cstime), so a Postgres backend or a helper that starts and
 * ends inside the window is still counted. Sources whose roots change (a database's backends)
 * are asked again at every sample.
 */
export interface ProcessSource {
  name: string;
  role: ProcessRole;
  roots(): number[] | Promise<number[]>;
  /** Count only the roots themselves, not their children (the harness, whose children are apps). */
  ownOnly?: boolean;
  /** This source is part of another one (a database's backends within the cluster). */
  within?: string;
}

export interface CpuSnapshot {
  atMs: number;
  machineTicks: number;
  /** Ticks by source, then by root (pid and start time, so a reused pid is a new root). */
  bySource: Map<string, Map<string, number>>;
}

export interface ProcessCpu {
  name: string;
  role: ProcessRole;
  cpuS: number;
  /** Root processes counted. */
  processes: number;
  /** Roots that ended during the window: their last slice of CPU is missing. */
  ended: number;
  within?: string;
}

export interface CpuUsage {
  wallS: number;
  machineCpuS: number;
  processes: ProcessCpu[];
  /** Busy CPU on the machine that no listed source used: other work, the kernel, the tools. */
  otherCpuS: number;
}

function treeTicks(root: ProcStat, all: ReadonlyMap<number, ProcStat>, ownOnly: boolean): number {
  if (ownOnly) return root.ownTicks;
  return processTree(root.pid, all).reduce((s, p) => s + p.ownTicks + p.reapedChildTicks, 0);
}

export class CpuMeter {
  private readonly sources: ProcessSource[] = [];

  constructor(sources: readonly ProcessSource[] = []) {
    for (const s of sources) this.add(s);
  }

  add(source: ProcessSource): this {
    if (this.sources.some((s) => s.name === source.name))
      throw new Error(`two process sources are named ${source.name}`);
    this.sources.push(source);
    return this;
  }

  get names(): string[] {
    return this.sources.map((s) => s.name);
  }

  async snapshot(): Promise<CpuSnapshot> {
    const roots = await Promise.all(this.sources.map(async (s) => s.roots()));
    const machineTicks = machineBusyTicks();
    const all = readAllProcStats();
    const atMs = performance.now();
    const bySource = new Map<string, Map<string, number>>();
    this.sources.forEach((source, i) => {
      const ticks = new Map<string, number>();
      for (const pid of roots[i] ?? []) {
        const stat = all.get(pid);
        if (stat)
          ticks.set(`${pid}:${stat.startTicks}`, treeTicks(stat, all, source.ownOnly === true));
      }
      bySource.set(source.name, ticks);
    });
    return { atMs, machineTicks, bySource };
  }

  /** What each source used between two snapshots of this meter. */
  usage(start: CpuSnapshot, end: CpuSnapshot): CpuUsage {
    const hz = clockTicksPerSecond();
    const processes = this.sources.map((source): ProcessCpu => {
      const before = start.bySource.get(source.name) ?? new Map<string, number>();
      const after = end.bySource.get(source.name) ?? new Map<string, number>();
      let ticks = 0;
      // A root that appeared during the window (a new backend) counts from its start.
      for (const [key, value] of after) ticks += value - (before.get(key) ?? 0);
      const ended = [...before.keys()].filter((k) => !after.has(k)).length;
      return {
        name: source.name,
        role: source.role,
        cpuS: Math.max(0, ticks) / hz,
        processes: new Set([...before.keys(), ...after.keys()]).size,
        ended,
        ...(source.within ? { within: source.within } : {}),
      };
    });
    const machineCpuS = (end.machineTicks - start.machineTicks) / hz;
    const listed = processes.filter((p) => !p.within).reduce((s, p) => s + p.cpuS, 0);
    return {
      wallS: (end.atMs - start.atMs) / 1000,
      machineCpuS,
      processes,
      otherCpuS: Math.max(0, machineCpuS - listed),
    };
  }

  /** Runs `work` between two snapshots and returns its result with the CPU it cost. */
  async measure<T>(work: () => Promise<T>): Promise<{ result: T; usage: CpuUsage }> {
    const start = await this.snapshot();
    const result = await work();
    const end = await this.snapshot();
    return { result, usage: this.usage(start, end) };
  }
}

/**
 * The CPU of a window per unit of work, as a scenario reports it: µs per unit for each
 * process, and how much the rest of the machine did meanwhile.
 */
export function cpuWindow(
  name: string,
  unit: string,
  units: number,
  usage: CpuUsage,
  options: {
    notes?: string[];
    /** The processes that take part in this window (default every one the meter lists). */
    involved?: readonly string[];
  } = {},
): CpuWindow {
  const notes = options.notes ?? [];
  const shown = usage.processes.filter(
    (p) => !options.involved || options.involved.includes(p.name),
  );
  if (!(units > 0)) throw new Error(`the ${name} window counted no ${unit}: nothing to divide by`);
  const per = (cpuS: number) => (cpuS * 1e6) / units;
  const ended = shown.filter((p) => p.ended > 0);
  return {
    name,
    unit,
    units,
    wallS: usage.wallS,
    processes: shown.map((p) => ({
      name: p.name,
      role: p.role,
      cpuS: p.cpuS,
      usPerUnit: per(p.cpuS),
      processes: p.processes,
      ...(p.within ? { within: p.within } : {}),
    })),
    machineCpuS: usage.machineCpuS,
    otherCpuS: usage.otherCpuS,
    notes: [
      ...notes,
      ...ended.map(
        (p) =>
          `${p.name}: ${p.ended} process(es) ended during the window; their last slice of CPU is not counted.`,
      ),
    ],
  };
}

/** µs of CPU per unit for one process of a window, or NaN when the window does not list it. */
export function usPerUnit(window: CpuWindow, process: string): number {
  return window.processes.find((p) => p.name === process)?.usPerUnit ?? Number.NaN;
}

/** Several windows of one meter added up (interleaved rounds of the same path). */
export function sumUsage(list: readonly CpuUsage[]): CpuUsage {
  const byName = new Map<string, ProcessCpu>();
  for (const usage of list) {
    for (const p of usage.processes) {
      const sum = byName.get(p.name);
      if (!sum) byName.set(p.name, { ...p });
      else {
        sum.cpuS += p.cpuS;
        sum.processes = Math.max(sum.processes, p.processes);
        sum.ended += p.ended;
      }
    }
  }
  return {
    wallS: list.reduce((s, u) => s + u.wallS, 0),
    machineCpuS: list.reduce((s, u) => s + u.machineCpuS, 0),
    otherCpuS: list.reduce((s, u) => s + u.otherCpuS, 0),
    processes: [...byName.values()],
  };
}

/**
 * `{ ratio }` of two CPU figures, or nothing when the baseline used no measurable CPU (a
 * window shorter than a clock tick): a ratio to zero is not a figure.
 */
export function cpuRatio(value: number, baseline: number): { ratio?: number } {
  return baseline > 0 && Number.isFinite(value) ? { ratio: value / baseline } : {};
}
