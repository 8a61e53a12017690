import { readFileSync } from 'node:fs';
import { cpus, platform, release, arch, totalmem } from 'node:os';
import type { ScenarioResult } from '../scenario.js';

/** The machine a run measured, read when the run starts and recorded beside every figure. */
export interface MachineDetails {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  /** `linux <kernel release> <arch>`. */
  os: string;
  kernel?: string;
  /** Open descriptors a process may hold (soft limit), which caps connection counts. */
  descriptorLimit?: number;
}

function descriptorLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}

export function machineDetails(): MachineDetails {
  const list = cpus();
  const limit = descriptorLimit();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() || 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    kernel: release(),
    ...(limit !== undefined ? { descriptorLimit: limit } : {}),
  };
}

/** The `machine` block of a {@link ScenarioResult}. */
export function scenarioMachine(): ScenarioResult['machine'] {
  const { cpus: count, cpuModel, memoryGiB, node, kernel } = machineDetails();
  return { cpus: count, memoryGiB, node, cpuModel, ...(kernel ? { kernel } : {}) };
}

type Comparable = Partial<
  Pick<MachineDetails, 'cpus' | 'cpuModel' | 'memoryGiB' | 'node' | 'kernel' | 'os'>
>;

function kernelOf(m: Comparable): string | undefined {
  return m.kernel ?? m.os?.split(' ')[1];
}

/**
 * How two machine records differ (CPU count and model, memory, kernel, Node), or undefined
 * when they describe the same machine. Fields a record lacks are not compared.
 */
export function machineDifference(a: Comparable, b: Comparable): string | undefined {
  const fields: Array<[string, unknown, unknown]> = [
    ['CPUs', a.cpus, b.cpus],
    ['CPU model', a.cpuModel, b.cpuModel],
    ['memory (GiB)', a.memoryGiB, b.memoryGiB],
    ['kernel', kernelOf(a), kernelOf(b)],
    ['Node', a.node, b.node],
  ];
  const differences = fields
    .filter(([, x, y]) => x !== undefined && y !== undefined && x !== y)
    .map(([name, x, y]) => `${name} ${String(x)} vs ${String(y)}`);
  return differences.length > 0 ? differences.join(', ') : undefined;
}
