import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  allowedPerMinute,
  regionTimeZones,
  windowVerdict,
  type RateColumns,
  type WindowSpec,
} from '@roadcast/campaigns';
import type { JOBS, PaceBuckets } from '@roadcast/queue';
import { jobPriority, NOTICE_JOB_RETRY, type PipelineQueues } from '@roadcast/queue';

/** Seconds of a campaign's rate its bucket holds: what may go at once after a lull. */
const BURST_SECONDS = 2;

/** How long past its expected end a fan-out job's turn lasts if it is not renewed. */
const TURN_SLACK_MS = 10_000;

/** Longest wait for another job's turn, while a ramp may end it early, and otherwise. */
const RAMPING_TURN_WAIT_MS = 5_000;
const TURN_WAIT_MS = 60_000;

/** What pacing needs to know of a campaign, read at most once per cache period. */
interface CampaignPace extends RateColumns {
  startedAt: Date | null;
  installed: number;
  windows: WindowSpec[];
  readAt: number;
}

export interface PacingOptions {
  pool: pg.Pool;
  buckets: PaceBuckets;
  queues: PipelineQueues;
  /** How long a campaign's options, ramp progress and the regions' time zones are reused. */
  cacheMs: number;
}

/** Deliveries split by maintenance window: send these now, hold the rest until their opening. */
export interface WindowSplit<T> {
  now: T[];
  /** Opening time (ms) → deliveries that wait for it. */
  held: Map<number, T[]>;
}

/**
 * Rate, ramp-up and maintenance windows where the bridge sends (docs/decisions/0347, 0348).
 * The rate of the moment follows from the options and the ramp's progress; the spending is a
 * Redis token bucket per campaign shared by every bridge. A delivery outside its region's
 * window is handed to a delayed job due when the window opens.
 */
export class CampaignPacing {
  private readonly campaigns = new Map<string, CampaignPace>();
  private zones: { byRegion: Map<string, string>; readAt: number } | undefined;
  private readonly options: PacingOptions;

  constructor(options: PacingOptions) {
    this.options = options;
  }

  /** First notices per minute the campaign may send now; null when unlimited. */
  async allowedPerMinute(campaignId: string): Promise<number | null> {
    const pace = await this.campaign(campaignId);
    if (!pace) return null;
    return allowedPerMinute(pace, pace);
  }

  /**
   * Spends up to `n` of the campaign's tokens. The bucket holds two seconds' worth (at least
   * two tokens) and a waiting job wakes when one second's worth has come, so a job that wakes
   * late, behind other work, still finds every token it was owed. Returns how many may be
   * sent now and, when fewer than asked, how long until more are due.
   */
  async take(campaignId: string, n: number): Promise<{ granted: number; waitMs: number }> {
    const perMinute = await this.allowedPerMinute(campaignId);
    if (perMinute === null || n === 0) return { granted: n, waitMs: 0 };
    const perSecond = perMinute / 60;
    return this.options.buckets.take(
      `campaign:${campaignId}`,
      perSecond,
      Math.max(2, Math.ceil(BURST_SECONDS * perSecond)),
      n,
    );
  }

  /**
   * One fan-out job at a time spends a campaign's tokens: the others would only wake to find
   * the bucket empty. Takes (or renews) the campaign's turn for `holder`, expected to last as
   * long as `remaining` deliveries take at `perMinute`; when another job has it, says how long
   * to wait before asking again: until that job expects to be done, but while a ramp may
   * speed it up (and end its turn early), no more than a few seconds. A holder that vanishes
   * loses its turn a little after its expected end.
   */
  async lease(
    campaignId: string,
    holder: string,
    remaining: number,
    perMinute: number,
  ): Promise<{ held: boolean; retryInMs: number }> {
    const expectMs = (remaining / Math.max(perMinute, 1)) * 60_000;
    const turn = await this.options.buckets.lease(
      `campaign:${campaignId}`,
      holder,
      expectMs,
      TURN_SLACK_MS,
    );
    if (turn.held) return turn;
    const pace = await this.campaign(campaignId);
    const ramping = pace?.rampFactor != null && allowedPerMinute(pace, pace) !== pace.ratePerMinute;
    const cap = ramping ? RAMPING_TURN_WAIT_MS : TURN_WAIT_MS;
    return {
      held: false,
      retryInMs: Math.min(turn.retryInMs, cap) + Math.floor(Math.random() * 250),
    };
  }

  /** Gives the campaign's turn up, if `holder` has it. */
  async release(campaignId: string, holder: string): Promise<void> {
    await this.options.buckets.release(`campaign:${campaignId}`, holder);
  }

  /** Splits deliveries of one campaign by whether their region's window is open now. */
  async splitByWindow<T extends { id: number }>(
    campaignId: string,
    deliveries: readonly T[],
  ): Promise<WindowSplit<T>> {
    const pace = await this.campaign(campaignId);
    if (!pace || pace.windows.length === 0 || deliveries.length === 0)
      return { now: [...deliveries], held: new Map() };
    const { rows } = await this.options.pool.query<{ id: string; region: string }>(
      `SELECT d.id, v.region FROM deliveries d JOIN vehicles v ON v.id = d.vehicle_id
       WHERE d.id = ANY($1::bigint[])`,
      [deliveries.map((d) => d.id)],
    );
    const regionOf = new Map(rows.map((r) => [Number(r.id), r.region]));
    const zones = await this.timeZones();
    const at = new Date();
    const verdicts = new Map<string, number | null>();
    const split: WindowSplit<T> = { now: [], held: new Map() };
    for (const d of deliveries) {
      const region = regionOf.get(d.id) ?? '';
      let opensAt = verdicts.get(region);
      if (opensAt === undefined) {
        const verdict = windowVerdict(pace.windows, zones.get(region) ?? 'UTC', at);
        opensAt = verdict.open ? null : verdict.opensAt.getTime();
        verdicts.set(region, opensAt);
      }
      if (opensAt === null) split.now.push(d);
      else {
        const waiting = split.held.get(opensAt);
        if (waiting) waiting.push(d);
        else split.held.set(opensAt, [d]);
      }
    }
    return split;
  }

  /**
   * Enqueues a delayed notice job per window opening. The job id is derived from the opening
   * and the deliveries, so holding the same deliveries again (a re-send timer firing while
   * they wait) adds nothing.
   */
  async hold(
    held: ReadonlyMap<number, ReadonlyArray<{ id: number; priority: number }>>,
    job: (deliveryIds: number[]) => {
      name: typeof JOBS.fanout | typeof JOBS.republish;
      data: object;
    },
  ): Promise<number> {
    let count = 0;
    for (const [opensAt, deliveries] of held) {
      const ids = deliveries.map((d) => d.id);
      const { name, data } = job(ids);
      const digest = createHash('sha1')
        .update(`${name} ${ids.join(',')}`)
        .digest('hex');
      await this.options.queues.notices.add(name, data as never, {
        ...NOTICE_JOB_RETRY,
        priority: jobPriority(deliveries[0]!.priority),
        delay: Math.max(0, opensAt - Date.now()),
        jobId: `window-${opensAt}-${digest}`,
      });
      count += ids.length;
    }
    return count;
  }

  private async campaign(campaignId: string): Promise<CampaignPace | undefined> {
    const now = Date.now();
    const hit = this.campaigns.get(campaignId);
    if (hit && now - hit.readAt < this.options.cacheMs) return hit;
    const { rows } = await this.options.pool.query<Omit<CampaignPace, 'readAt'>>(
      `SELECT c.rate_per_minute AS "ratePerMinute", c.ramp_initial_per_minute AS "rampInitialPerMinute",
              c.ramp_factor AS "rampFactor", c.ramp_step_s AS "rampStepS",
              c.ramp_step_successes AS "rampStepSuccesses",
              (SELECT min(w.started_at) FROM campaign_waves w WHERE w.campaign_id = c.id) AS "startedAt",
              (SELECT COALESCE(sum(k.count), 0)::float8 FROM campaign_counters k
                WHERE k.campaign_id = c.id AND k.state = 'installed') AS installed,
              COALESCE((SELECT json_agg(json_build_object('days', w.days, 'startMinute', w.start_minute,
                'endMinute', w.end_minute)) FROM campaign_windows w WHERE w.campaign_id = c.id),
                '[]'::json) AS windows
       FROM campaigns c WHERE c.id = $1`,
      [campaignId],
    );
    const row = rows[0];
    if (!row) {
      this.campaigns.delete(campaignId);
      return undefined;
    }
    const pace = { ...row, readAt: now };
    this.campaigns.set(campaignId, pace);
    if (this.campaigns.size > 10_000) {
      for (const [id, e] of this.campaigns)
        if (now - e.readAt >= this.options.cacheMs) this.campaigns.delete(id);
    }
    return pace;
  }

  private async timeZones(): Promise<Map<string, string>> {
    const now = Date.now();
    if (this.zones && now - this.zones.readAt < this.options.cacheMs) return this.zones.byRegion;
    this.zones = { byRegion: await regionTimeZones(this.options.pool), readAt: now };
    return this.zones.byRegion;
  }
}
