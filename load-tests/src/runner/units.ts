// Unit families the sweep and the report convert between, so figures reported in ms by one
// scenario and in s by another land on one axis.

const SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  sec: 1,
  min: 60,
};
const BYTES: Record<string, number> = {
  b: 1,
  byte: 1,
  bytes: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** The value in seconds, or undefined when the unit is not a time. */
export function toSeconds(value: number, unit: string): number | undefined {
  const factor = SECONDS[unit.trim()];
  return factor === undefined ? undefined : value * factor;
}

/** The value in MiB, or undefined when the unit is not an amount of memory. */
export function toMiB(value: number, unit: string): number | undefined {
  const factor = BYTES[unit.trim().toLowerCase()];
  return factor === undefined ? undefined : (value * factor) / 1024 ** 2;
}
