/**
 * The order in which a scenario measures its baseline and Roadcast: alternating, so neither
 * side always runs on a cold cache or a warm one, and with the first side rotated by the
 * run's index in `--repeat`, so over the repeats each side goes first about as often.
 */
export type Side = 'baseline' | 'roadcast';

export interface Turn {
  side: Side;
  /** Which pair this turn belongs to, from 0. */
  pair: number;
}

/** `pairs` baseline/Roadcast pairs: B R B R … when `runIndex` is even, R B R B … when odd. */
export function alternation(pairs: number, runIndex = 0): Turn[] {
  const first: Side = runIndex % 2 === 0 ? 'baseline' : 'roadcast';
  const second: Side = first === 'baseline' ? 'roadcast' : 'baseline';
  const turns: Turn[] = [];
  for (let pair = 0; pair < pairs; pair += 1) {
    turns.push({ side: first, pair }, { side: second, pair });
  }
  return turns;
}

/**
 * A rotation of several measurements (e.g. two raw publishers and the fan-out): the order
 * starts at a different one on each run, so none is always first.
 */
export function rotation<T>(items: readonly T[], runIndex = 0): T[] {
  if (items.length === 0) return [];
  const start = runIndex % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** Runs each turn's work in order and collects the results by side. */
export async function alternate<T>(
  turns: readonly Turn[],
  work: (turn: Turn) => Promise<T>,
): Promise<Record<Side, T[]>> {
  const out: Record<Side, T[]> = { baseline: [], roadcast: [] };
  for (const turn of turns) out[turn.side].push(await work(turn));
  return out;
}
