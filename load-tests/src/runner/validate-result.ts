import type { ScenarioResult } from '../scenario.js';

/**
 * What is wrong with a scenario's result, or an empty list. The runner refuses results that
 * would make the report lie: figures that are not finite numbers, or missing names and units.
 */
export function resultProblems(result: unknown): string[] {
  if (typeof result !== 'object' || result === null) return ['the result is not an object'];
  const r = result as Partial<Record<keyof ScenarioResult, unknown>>;
  const problems: string[] = [];
  if (typeof r.scenario !== 'string' || r.scenario === '') problems.push('scenario is not a name');
  if (typeof r.startedAt !== 'string' || Number.isNaN(Date.parse(r.startedAt)))
    problems.push('startedAt is not a date');
  const machine = r.machine as Record<string, unknown> | undefined;
  if (
    !machine ||
    typeof machine.cpus !== 'number' ||
    typeof machine.memoryGiB !== 'number' ||
    typeof machine.node !== 'string'
  ) {
    problems.push('machine lacks cpus, memoryGiB or node');
  }
  if (typeof r.parameters !== 'object' || r.parameters === null)
    problems.push('parameters is not an object');
  if (!Array.isArray(r.notes) || !r.notes.every((n) => typeof n === 'string'))
    problems.push('notes is not a list of text');
  if (!Array.isArray(r.measurements)) return [...problems, 'measurements is not a list'];
  r.measurements.forEach((m: unknown, i) => {
    const where = `measurement ${i}`;
    if (typeof m !== 'object' || m === null) {
      problems.push(`${where} is not an object`);
      return;
    }
    const x = m as Record<string, unknown>;
    const label = typeof x.name === 'string' && x.name !== '' ? `'${x.name}'` : where;
    if (typeof x.name !== 'string' || x.name === '') problems.push(`${where} has no name`);
    if (typeof x.unit !== 'string') problems.push(`${label} has no unit`);
    if (typeof x.value !== 'number' || !Number.isFinite(x.value))
      problems.push(`${label} value is not a finite number`);
    if (x.ratio !== undefined && (typeof x.ratio !== 'number' || !Number.isFinite(x.ratio))) {
      problems.push(`${label} ratio is not a finite number`);
    }
    const baseline = x.baseline as Record<string, unknown> | undefined;
    if (
      baseline !== undefined &&
      (typeof baseline.name !== 'string' ||
        typeof baseline.value !== 'number' ||
        !Number.isFinite(baseline.value))
    ) {
      problems.push(`${label} baseline needs a name and a finite value`);
    }
  });
  if (r.series !== undefined) {
    if (!Array.isArray(r.series)) problems.push('series is not a list');
    else
      r.series.forEach((s: { name?: unknown; points?: unknown }, i) => {
        const points = s.points;
        const ok =
          typeof s.name === 'string' &&
          Array.isArray(points) &&
          points.every(
            (p: { x?: unknown; y?: unknown }) => Number.isFinite(p.x) && Number.isFinite(p.y),
          );
        if (!ok) problems.push(`series ${i} needs a name and finite points`);
      });
  }
  if (r.cpu !== undefined) {
    if (!Array.isArray(r.cpu)) problems.push('cpu is not a list');
    else
      r.cpu.forEach((w: Record<string, unknown>, i) => {
        const processes = w.processes;
        const ok =
          typeof w.name === 'string' &&
          typeof w.unit === 'string' &&
          Number.isFinite(w.units) &&
          Array.isArray(processes) &&
          processes.every(
            (p: Record<string, unknown>) =>
              typeof p.name === 'string' && Number.isFinite(p.cpuS) && Number.isFinite(p.usPerUnit),
          );
        if (!ok)
          problems.push(`cpu window ${i} needs a name, a unit, a count and processes with CPU`);
      });
  }
  return problems;
}

export function isWellFormedResult(result: unknown): result is ScenarioResult {
  return resultProblems(result).length === 0;
}
