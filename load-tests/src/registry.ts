import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scenario } from './scenario.js';

/** The folder every scenario file lives in; each file exports one or more scenarios. */
export const SCENARIO_DIR = join(import.meta.dirname, 'scenarios');

/**
 * The order `all` runs them in: the raw baseline first so later reports can cite it, the
 * sweep that re-runs other scenarios last. Scenarios not named here follow, alphabetically.
 */
const RUN_ORDER = [
  'mqtt-baseline',
  'router-throughput',
  'router-connections',
  'api',
  'fanout',
  'acks',
  'tunnel-storm',
  'hostile',
  'scaling',
];

/** A scenario file that exists but could not be loaded, reported instead of hidden. */
export interface BrokenScenarioFile {
  file: string;
  error: string;
}

export interface ScenarioCatalog {
  scenarios: Scenario[];
  broken: BrokenScenarioFile[];
}

export function isScenario(value: unknown): value is Scenario {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.name === 'string' &&
    candidate.name.length > 0 &&
    typeof candidate.description === 'string' &&
    typeof candidate.run === 'function'
  );
}

function rank(name: string): number {
  const index = RUN_ORDER.indexOf(name);
  return index === -1 ? RUN_ORDER.length : index;
}

export function sortScenarios<T extends { name: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

function scenarioFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Imports every file in the scenarios folder and keeps each exported object that has a
 * name, a description and a `run` function, whatever its export name. Files are found at
 * run time, so a scenario joins the suite by being added to the folder.
 */
export async function loadScenarios(dir = SCENARIO_DIR): Promise<ScenarioCatalog> {
  const scenarios = new Map<string, Scenario>();
  const broken: BrokenScenarioFile[] = [];
  for (const file of scenarioFiles(dir)) {
    let exports: Record<string, unknown>;
    try {
      exports = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    } catch (err) {
      broken.push({ file, error: err instanceof Error ? err.message : String(err) });
      continue;
    }
    const found = Object.values(exports).filter(isScenario);
    // Helper modules may sit beside the scenarios; only a file named after an expected
    // scenario is a broken scenario when it exports none.
    if (found.length === 0 && RUN_ORDER.includes(file.replace(/\.ts$/, ''))) {
      broken.push({
        file,
        error: 'exports no scenario (an object with name, description and run)',
      });
    }
    for (const scenario of found) {
      const existing = scenarios.get(scenario.name);
      if (existing && existing !== scenario) {
        broken.push({ file, error: `a second scenario is named ${scenario.name}` });
        continue;
      }
      scenarios.set(scenario.name, scenario);
    }
  }
  return { scenarios: sortScenarios([...scenarios.values()]), broken };
}

/** Scenario names the suite is expected to hold, so a report can say which have not landed. */
export const EXPECTED_SCENARIOS: readonly string[] = RUN_ORDER;
