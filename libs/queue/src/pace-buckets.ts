import type { Redis } from 'ioredis';

/**
 * A token bucket kept as one number in Redis: the theoretical arrival time (ms, Redis clock)
 * of the next token, as in the generic cell rate algorithm. Spending runs in one script, so
 * every replica that shares the key shares the rate; Redis' own clock keeps replicas with
 * skewed clocks from granting more. `take` spends what is there now (up to `burst` tokens
 * ahead of the schedule) and says how long until the next tokens; `reserve` books `n` future
 * tokens at once and says when the first of them falls due.
 *
 * KEYS[1] bucket; ARGV: ms per token, burst (tokens), n, mode ('take' | 'reserve').
 * Returns take: {granted, ms until the next min(n - granted, burst / 2) tokens: waking when
 *               half the bucket has refilled, a waiter that wakes late loses no tokens};
 *         reserve: {n, ms from now at which the schedule of these tokens starts}.
 */
const PACE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local slack = burst * interval
local result
if ARGV[4] == 'reserve' then
  result = { n, math.floor(tat - now) }
  tat = tat + n * interval
else
  local granted = math.floor((now + slack - tat) / interval)
  if granted < 0 then granted = 0 end
  if granted > n then granted = n end
  tat = tat + granted * interval
  local wait = 0
  if granted < n then
    local want = math.min(n - granted, math.max(1, math.floor(burst / 2)))
    wait = math.ceil(tat + want * interval - slack - now)
    if wait < 1 then wait = 1 end
  end
  result = { granted, wait }
end
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(tat - now + slack) + 1000)
return result
`;

/**
 * One holder at a time per lease: KEYS[1] lease ('holder|until', until in ms, Redis clock);
 * ARGV: holder, ms the holder expects to keep it, ms past that before it lapses by itself.
 * Returns {1, 0} when the caller holds it (now or already), else {0, ms until the holder
 * expects to be done}.
 */
const LEASE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = redis.call('GET', KEYS[1])
if current then
  local sep = string.find(current, '|', 1, true)
  local holder = string.sub(current, 1, sep - 1)
  if holder ~= ARGV[1] then
    local untilMs = tonumber(string.sub(current, sep + 1))
    local left = math.floor(untilMs - now)
    if left < 1 then left = 1 end
    return { 0, left }
  end
end
local expect = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. tostring(now + expect), 'PX', math.ceil(expect + tonumber(ARGV[3])))
return { 1, 0 }
`;

const RELEASE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then
  redis.call('DEL', KEYS[1])
end
return 0
`;

export interface LeaseResult {
  held: boolean;
  /** When not held: how long until the holder expects to be done. */
  retryInMs: number;
}

export interface TakeResult {
  /** Tokens spent now: send this many. */
  granted: number;
  /** When fewer than asked were granted, wait this long before asking again. */
  waitMs: number;
}

export interface Reservation {
  /** When token `i` (from 0) of the reservation falls due, in ms from now. */
  dueInMs(i: number): number;
}

/** Token buckets in Redis under `${prefix}:pace:…`, shared by every replica (see PACE_SCRIPT). */
export class PaceBuckets {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /** Spends up to `n` tokens of a bucket refilled at `perSecond` holding at most `burst`. */
  async take(bucket: string, perSecond: number, burst: number, n: number): Promise<TakeResult> {
    const [granted, waitMs] = await this.run(bucket, perSecond, burst, n, 'take');
    return { granted, waitMs };
  }

  /**
   * Books `n` tokens; the first `burst` of an idle bucket are due at once, then one every
   * 1/perSecond. Nothing is refused: a larger reservation only reaches further ahead.
   */
  async reserve(bucket: string, perSecond: number, burst: number, n: number): Promise<Reservation> {
    const [, startMs] = await this.run(bucket, perSecond, burst, n, 'reserve');
    const interval = 1000 / perSecond;
    return {
      dueInMs: (i) => Math.max(0, Math.ceil(startMs + (i + 1) * interval - burst * interval)),
    };
  }

  /**
   * Takes (or renews) the lease `name` for `holder`, expected to last `expectMs`; a holder
   * that vanishes loses it `graceMs` after that.
   */
  async lease(
    name: string,
    holder: string,
    expectMs: number,
    graceMs: number,
  ): Promise<LeaseResult> {
    const reply = (await this.redis.eval(
      LEASE_SCRIPT,
      1,
      `${this.prefix}:pace:lease:${name}`,
      holder,
      String(Math.max(1, Math.ceil(expectMs))),
      String(Math.max(1, Math.ceil(graceMs))),
    )) as [number, number];
    return { held: Number(reply[0]) === 1, retryInMs: Number(reply[1]) };
  }

  /** Gives the lease up if `holder` has it. */
  async release(name: string, holder: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, `${this.prefix}:pace:lease:${name}`, holder);
  }

  private async run(
    bucket: string,
    perSecond: number,
    burst: number,
    n: number,
    mode: 'take' | 'reserve',
  ): Promise<[number, number]> {
    const reply = (await this.redis.eval(
      PACE_SCRIPT,
      1,
      `${this.prefix}:pace:${bucket}`,
      String(1000 / perSecond),
      String(Math.max(1, burst)),
      String(n),
      mode,
    )) as [number, number];
    return [Number(reply[0]), Number(reply[1])];
  }
}
