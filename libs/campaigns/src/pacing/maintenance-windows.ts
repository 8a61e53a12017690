/** A maintenance window as `campaign_windows` stores it (docs/decisions/0348). */
export interface WindowSpec {
  /** ISO days of the week the window opens on, 1 Monday … 7 Sunday. */
  days: number[];
  /** Minutes after local midnight; an end before the start closes on the next day. */
  startMinute: number;
  endMinute: number;
}

export type WindowVerdict = { open: true } | { open: false; opensAt: Date };

const DAY = 1_440;
const WEEK = 7 * DAY;
const MINUTE_MS = 60_000;
const ISO_DAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows this IANA time zone name. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Minutes since Monday 00:00 in the zone's local time at `at`; an unknown zone reads as UTC. */
export function localMinuteOfWeek(at: Date, timeZone: string): number {
  const f = isKnownTimeZone(timeZone) ? formatter(timeZone) : formatter('UTC');
  let day = 1;
  let hour = 0;
  let minute = 0;
  for (const part of f.formatToParts(at)) {
    if (part.type === 'weekday') day = ISO_DAY[part.value] ?? 1;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return (day - 1) * DAY + hour * 60 + minute;
}

/** Each window as [start, end) intervals in minutes of the week, the end possibly past the week. */
function intervals(windows: readonly WindowSpec[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const w of windows) {
    for (const d of w.days) {
      const start = (d - 1) * DAY + w.startMinute;
      const end = (d - 1) * DAY + w.endMinute + (w.endMinute > w.startMinute ? 0 : DAY);
      out.push([start, end]);
    }
  }
  return out;
}

const mod = (n: number, m: number): number => ((n % m) + m) % m;

/**
 * Whether one of the windows is open at `now` in the local time of `timeZone`, and if not,
 * when the next one opens (at the start of its minute). No windows means always open.
 * The opening is found in local wall-clock minutes and then corrected once by reading the
 * local time at the candidate, so a daylight-saving change in between does not shift it.
 */
export function windowVerdict(
  windows: readonly WindowSpec[],
  timeZone: string,
  now: Date = new Date(),
): WindowVerdict {
  if (windows.length === 0) return { open: true };
  const spans = intervals(windows);
  const local = localMinuteOfWeek(now, timeZone);
  const inside = (m: number) => spans.some(([start, end]) => mod(m - start, WEEK) < end - start);
  if (inside(local)) return { open: true };
  let ahead = WEEK;
  let target = local;
  for (const [start] of spans) {
    const delta = mod(start - local, WEEK);
    if (delta < ahead) {
      ahead = delta;
      target = mod(start, WEEK);
    }
  }
  const minuteStart = now.getTime() - (now.getTime() % MINUTE_MS);
  let opensAt = minuteStart + ahead * MINUTE_MS;
  const drift =
    mod(target - localMinuteOfWeek(new Date(opensAt), timeZone) + WEEK / 2, WEEK) - WEEK / 2;
  opensAt += drift * MINUTE_MS;
  if (opensAt <= now.getTime()) opensAt = minuteStart + MINUTE_MS;
  return { open: false, opensAt: new Date(opensAt) };
}
