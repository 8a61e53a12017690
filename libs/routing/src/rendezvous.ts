/**
 * Weighted rendezvous (highest random weight) hashing.
 *
 * Every item gets a score from a hash of (key, item id); the best score wins. Removing an
 * item only moves the keys that item held, adding one only takes keys for itself, and every
 * process computes the same answer with no shared state. Weights follow the logarithmic
 * method: score = weight / -ln(u) with u uniform in (0, 1), so an item's share of keys is
 * its share of the total weight.
 *
 * The hash below is part of the data format: changing it moves every vehicle that is not
 * pinned, so tests pin known answers.
 */

export interface Weighted {
  id: string;
  weight: number;
}

const TWO_POW_32 = 4_294_967_296;
const TWO_POW_53 = 9_007_199_254_740_992;

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A number in the open interval (0, 1) derived from the text alone: two multiplicative
 * 32-bit lanes over the UTF-16 code units, each finished with an avalanche step, give
 * 53 bits. Fast enough for millions of keys a second, identical in every process.
 */
export function unitHash(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = avalanche(a ^ Math.imul(b, 0x9e3779b1));
  b = avalanche(b ^ a);
  const bits = (b >>> 11) * TWO_POW_32 + a;
  return (bits + 0.5) / TWO_POW_53;
}

/** The score of one item for one key; higher wins. A non-positive weight never wins. */
export function rendezvousScore(key: string, item: Weighted): number {
  if (!(item.weight > 0) || !Number.isFinite(item.weight)) return -Infinity;
  // The NUL separator keeps ("ab","c") and ("a","bc") apart.
  return item.weight / -Math.log(unitHash(`${key}\u0000${item.id}`));
}

/** Items with a positive weight, best first for this key; ties (practically never) by id. */
export function rendezvousRank<T extends Weighted>(key: string, items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, score: rendezvousScore(key, item) }))
    .filter((entry) => entry.score > -Infinity)
    .sort(
      (x, y) => y.score - x.score || (x.item.id < y.item.id ? -1 : x.item.id > y.item.id ? 1 : 0),
    )
    .map((entry) => entry.item);
}

/** The best item for this key, or undefined when no item has a positive weight. */
export function rendezvousPick<T extends Weighted>(
  key: string,
  items: readonly T[],
): T | undefined {
  let best: T | undefined;
  let bestScore = -Infinity;
  for (const item of items) {
    const score = rendezvousScore(key, item);
    if (
      score > bestScore ||
      (score === bestScore && best !== undefined && score > -Infinity && item.id < best.id)
    ) {
      best = item;
      bestScore = score;
    }
  }
  return best;
}
