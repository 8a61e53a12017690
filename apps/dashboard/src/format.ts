/** Short, locale-aware dates and numbers for tables. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const number = new Intl.NumberFormat();

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function formatTime(ms: number): string {
  return time.format(new Date(ms));
}

export function formatNumber(n: number): string {
  return number.format(n);
}

/** "in 3 h", "5 min ago": how far a moment is from now. */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  const [size, unit] = units.find(([s]) => abs >= s) ?? [1_000, 's'];
  const n = Math.round(abs / size);
  return diff >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}
