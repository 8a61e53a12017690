/** A small deterministic random source (mulberry32), so a simulated fleet can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A whole number of milliseconds, uniform in [min, max]. */
export function between(random: () => number, [min, max]: readonly [number, number]): number {
  return Math.round(min + random() * Math.max(0, max - min));
}
