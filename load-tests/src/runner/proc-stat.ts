import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * What Linux reports about processes in /proc, read the way `ps` and `top` do. Times are in
 * clock ticks (`getconf CLK_TCK`); a benchmark turns them into seconds once.
 */

export interface ProcStat {
  pid: number;
  ppid: number;
  /** Ticks since boot at which the process started: with the pid, a name no later process reuses. */
  startTicks: number;
  /** utime + stime: CPU the process itself used, every thread included. */
  ownTicks: number;
  /** cutime + cstime: CPU of children it has waited for (exited and reaped). */
  reapedChildTicks: number;
  rssPages: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second, from `getconf CLK_TCK` (100 on every mainstream Linux). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      clockTicks = Number.NaN;
    }
    if (!Number.isInteger(clockTicks) || clockTicks <= 0) clockTicks = 100;
  }
  return clockTicks;
}

/** Parses one /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseProcStat(line: string): ProcStat {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  // Fields from the state (field 3) on; index 0 here is field 3.
  const f = line
    .slice(close + 2)
    .trim()
    .split(' ');
  const at = (field: number) => Number(f[field - 3]);
  return {
    pid: Number(line.slice(0, open).trim()),
    ppid: at(4),
    ownTicks: at(14) + at(15),
    reapedChildTicks: at(16) + at(17),
    startTicks: at(22),
    rssPages: at(24),
  };
}

/** One process's stat, or undefined when it has exited or is not visible here. */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every visible process, read once: the snapshot a process tree is walked in. */
export function readAllProcStats(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat) all.set(stat.pid, stat);
  }
  return all;
}

/** The process and all its descendants in a snapshot, parents before children. */
export function processTree(root: number, all: ReadonlyMap<number, ProcStat>): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const stat of all.values()) {
    const list = children.get(stat.ppid);
    if (list) list.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const first = all.get(root);
  if (!first) return [];
  const out: ProcStat[] = [];
  const queue = [first];
  for (let next = queue.shift(); next; next = queue.shift()) {
    out.push(next);
    queue.push(...(children.get(next.pid) ?? []));
  }
  return out;
}

/** Busy ticks of the whole machine (every CPU, every process and the kernel), from /proc/stat. */
export function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice; guest time is in user.
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce<number>((s, v) => s + (v ?? 0), 0);
}

/** The command line of a process as its arguments, or undefined when it is gone. */
export function readCommandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Processes whose command line contains every one of `parts` as an argument. */
export function findProcesses(parts: readonly string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = readCommandLine(Number(entry));
    if (args && parts.every((p) => args.includes(p))) found.push(Number(entry));
  }
  return found;
}

/** Resident memory of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}
