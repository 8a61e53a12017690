import { cpus, platform, release, arch, totalmem } from 'node:os';
import type { ScenarioResult } from '../scenario.js';

/** The machine a run measured, recorded beside every figure so results compare fairly. */
export interface MachineDetails {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
}

export function machineDetails(): MachineDetails {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() || 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
  };
}

/** The `machine` block of a {@link ScenarioResult}. */
export function scenarioMachine(): ScenarioResult['machine'] {
  const { cpus: count, cpuModel, memoryGiB, node } = machineDetails();
  return { cpus: count, memoryGiB, node, cpuModel };
}
