import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { isDeepStrictEqual } from 'node:util';
import type { CampaignCreateRequest, CampaignDetail } from '@roadcast/contracts';
import { appendEvent, enqueueCampaignStart, enqueueMaterialization } from '@roadcast/queue';
import { planCampaign } from './campaign-plan.js';
import { OPTION_INSERT, planOptions, toSettings } from './campaign-options.js';
import { getCampaignDetail } from './campaign-read.js';
import { CampaignNotFound, IdempotencyMismatch } from './errors.js';
import { materializeDeliveries, recordWaveSizes } from './materialize.js';
import { targetCondition } from './target-sql.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { startCampaign } from './lifecycle/start-campaign.js';

export interface CreateMeta {
  /** Who asks: an API key name or the ingest source; scopes the idempotency key. */
  createdBy: string;
  requestId?: string;
  idempotencyKey?: string;
}

export interface CreateResult {
  campaign: CampaignDetail;
  /** True when an earlier request with the same idempotency key created it. */
  replayed: boolean;
}

const UNIQUE_VIOLATION = '23505';

/** Targets up to this size are written inside the create request. */
export const DEFAULT_INLINE_LIMIT = 10_000;

/** Whether the target has at most `limit` vehicles, reading no more than `limit + 1`. */
async function targetAtMost(
  client: pg.PoolClient,
  target: CampaignCreateRequest['target'],
  limit: number,
): Promise<boolean> {
  const where = targetCondition(target, 1);
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM vehicles v WHERE ${where.text} LIMIT $1) s`,
    [limit + 1, ...where.values],
  );
  return (rows[0]?.n ?? 0) <= limit;
}

/**
 * Stores the campaign and its waves, then starts it (now, or by a delayed job when it is
 * due). A target of up to `inlineLimit` vehicles gets its deliveries in the same
 * transaction; a larger one is answered at once and materialized in the background by a
 * job that writes chunks and enqueues each chunk's fan-out (see materializeCampaign). A
 * request repeated with the same idempotency key by the same caller returns the campaign
 * the first one created.
 */
export async function createCampaign(
  deps: PipelineDeps,
  request: CampaignCreateRequest,
  meta: CreateMeta,
  now: Date = new Date(),
): Promise<CreateResult> {
  if (meta.idempotencyKey) {
    const existing = await findByIdempotencyKey(deps, meta.createdBy, meta.idempotencyKey);
    if (existing) return replay(deps, existing, request);
  }
  const plan = planCampaign(request, now);
  const id = randomUUID();
  const client = await deps.pool.connect();
  let inline = true;
  try {
    await client.query('BEGIN');
    inline = await targetAtMost(
      client,
      request.target,
      deps.materialization?.inlineLimit ?? DEFAULT_INLINE_LIMIT,
    );
    await client.query(
      `INSERT INTO campaigns (id, name, update_id, update_version, update_url, update_sha256, update_size,
         priority, status, target, start_at, expires_at, created_by, request_id, idempotency_key, updated_at,
         materialized_at, ${OPTION_INSERT.columns})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $10, $11, $12, $13, $14, now(),
         CASE WHEN $15 THEN now() END, ${OPTION_INSERT.placeholders(16)})`,
      [
        id,
        request.name,
        request.update.id,
        request.update.version,
        request.update.url,
        request.update.sha256,
        request.update.size,
        plan.priority,
        JSON.stringify(request.target),
        plan.startAt,
        plan.expiresAt,
        meta.createdBy,
        meta.requestId ?? null,
        meta.idempotencyKey ?? null,
        inline,
        ...OPTION_INSERT.values(plan.options),
      ],
    );
    await client.query(
      `INSERT INTO campaign_waves (campaign_id, index, percent, success_threshold, failure_threshold,
         requires_approval)
       SELECT $1, w.index, w.percent, w.success, w.failure, w.approval
       FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[], $6::bool[])
         AS w(index, percent, success, failure, approval)`,
      [
        id,
        plan.waves.map((w) => w.index),
        plan.waves.map((w) => w.percent),
        plan.waves.map((w) => w.successThreshold),
        plan.waves.map((w) => w.failureThreshold),
        plan.waves.map((w) => w.requiresApproval),
      ],
    );
    if (plan.options.windows.length > 0) {
      const windows = plan.options.windows;
      await client.query(
        `INSERT INTO campaign_windows (campaign_id, index, days, start_minute, end_minute)
         SELECT $1, w.index, ARRAY(SELECT json_array_elements_text(w.days::json)::smallint), w.s, w.e
         FROM unnest($2::int[], $3::text[], $4::int[], $5::int[]) AS w(index, days, s, e)`,
        [
          id,
          windows.map((_, i) => i),
          windows.map((w) => JSON.stringify(w.days)),
          windows.map((w) => w.startMinute),
          windows.map((w) => w.endMinute),
        ],
      );
    }
    if (inline) {
      const written = await materializeDeliveries(client, id, request.target, plan.waves);
      await recordWaveSizes(client, id);
      await client.query('UPDATE campaigns SET target_size = $2 WHERE id = $1', [id, written]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (meta.idempotencyKey && (err as { code?: string }).code === UNIQUE_VIOLATION) {
      // A concurrent request with the same key won the race; answer with its campaign.
      const existing = await findByIdempotencyKey(deps, meta.createdBy, meta.idempotencyKey);
      if (existing) return replay(deps, existing, request);
    }
    throw err;
  } finally {
    client.release();
  }
  deps.logger?.info({ campaignId: id, requestId: meta.requestId, inline }, 'campaign created');
  if (!inline) await enqueueMaterialization(deps.queues, id);
  if (deps.redis) {
    await appendEvent(deps.redis, deps.prefix, {
      type: 'campaign.created',
      at: new Date().toISOString(),
      campaignId: id,
      data: { name: request.name, priority: plan.priority },
    }).catch((err: unknown) => deps.logger?.warn({ err, campaignId: id }, 'event not recorded'));
  }
  await launch(deps, id, plan.startAt);
  const campaign = await getCampaignDetail(deps.pool, id);
  if (!campaign) throw new Error(`campaign ${id} vanished after creation`);
  return { campaign, replayed: false };
}

/** Starts the campaign now if due, else schedules the start job. */
async function launch(deps: PipelineDeps, campaignId: string, startAt: Date): Promise<void> {
  if (startAt.getTime() <= Date.now()) await startCampaign(deps, campaignId);
  else await enqueueCampaignStart(deps.queues, campaignId, startAt);
}

async function findByIdempotencyKey(
  deps: PipelineDeps,
  createdBy: string,
  key: string,
): Promise<string | undefined> {
  const { rows } = await deps.pool.query<{ id: string }>(
    'SELECT id FROM campaigns WHERE created_by = $1 AND idempotency_key = $2',
    [createdBy, key],
  );
  return rows[0]?.id;
}

async function replay(
  deps: PipelineDeps,
  id: string,
  request: CampaignCreateRequest,
): Promise<CreateResult> {
  const campaign = await getCampaignDetail(deps.pool, id);
  if (!campaign) throw new CampaignNotFound();
  const same =
    campaign.name === request.name &&
    isDeepStrictEqual(campaign.update, request.update) &&
    isDeepStrictEqual(campaign.target, JSON.parse(JSON.stringify(request.target))) &&
    campaign.priority === (request.priority ?? 0) &&
    isDeepStrictEqual(campaign.options, toSettings(planOptions(request)));
  if (!same) {
    throw new IdempotencyMismatch();
  }
  // The first request may have stored the campaign and failed before starting it or
  // before handing its materialization to the queue.
  if (campaign.materialization.state === 'materializing')
    await enqueueMaterialization(deps.queues, id);
  if (campaign.status === 'scheduled') await launch(deps, id, new Date(campaign.startAt));
  return { campaign: (await getCampaignDetail(deps.pool, id)) ?? campaign, replayed: true };
}
