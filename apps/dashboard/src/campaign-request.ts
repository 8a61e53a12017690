import type { CampaignCreateRequest } from './api-types.js';

/** The campaign form's fields, as the inputs hold them. */
export interface CampaignFormValues {
  name: string;
  updateId: string;
  updateVersion: string;
  updateUrl: string;
  updateSha256: string;
  updateSize: string;
  targetMode: 'ids' | 'filter';
  vehicleIds: string;
  model: string;
  region: string;
  softwareVersion: string;
  tags: string;
  waves: string;
  successPercent: string;
  failurePercent: string;
  priority: string;
  startAt: string;
  expiresAt: string;
  /** Wave numbers (1-based) that wait for an operator's approval before they start. */
  approvalWaves?: string;
  /** What the thresholds' shares are of: 'target' (default) or 'reached'. */
  thresholdBasis?: string;
  /** Minutes; empty: no in-progress timeout. */
  timeoutMinutes?: string;
  /** Attempts in all; empty: no automatic retry. */
  retryMaxAttempts?: string;
  /** Seconds before the first retry; empty: the API's default. */
  retryBackoffSeconds?: string;
  /** 'pause' (the default) or 'cancel'. */
  onFailureThreshold?: string;
}

const list = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** A number when the text is one; otherwise the text, so the API names the bad field. */
const numeric = (text: string): number | string => {
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
};

/** A datetime-local value (the browser's local time) as an ISO instant, or the text as is. */
const instant = (text: string): string => {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
};

/**
 * The create request for the form's values. It only reshapes: every rule (required fields,
 * ranges, increasing waves ending at 100, expiry after start) is the API's, whose messages
 * the form shows, so the two never disagree.
 */
export function campaignRequest(v: CampaignFormValues): CampaignCreateRequest {
  const target: Record<string, unknown> = {};
  if (v.targetMode === 'ids') target.vehicleIds = list(v.vehicleIds);
  else {
    const filter: Record<string, unknown> = {};
    if (v.model.trim()) filter.model = v.model.trim();
    if (v.region.trim()) filter.region = v.region.trim();
    if (v.softwareVersion.trim()) filter.softwareVersion = v.softwareVersion.trim();
    const tags = list(v.tags);
    if (tags.length > 0) filter.tags = tags;
    target.filter = filter;
  }
  const request: Record<string, unknown> = {
    name: v.name.trim(),
    update: {
      id: v.updateId.trim(),
      version: v.updateVersion.trim(),
      url: v.updateUrl.trim(),
      sha256: v.updateSha256.trim().toLowerCase(),
      size: numeric(v.updateSize),
    },
    target,
  };
  const gated = new Set(list(v.approvalWaves ?? '').map(Number));
  const listed = list(v.waves);
  // A gated single wave needs the rollout spelled out.
  const waves = listed.length === 0 && gated.has(1) ? ['100'] : listed;
  if (waves.length > 0) {
    const share = (text: string) => {
      const n = numeric(text);
      return typeof n === 'number' ? n / 100 : n;
    };
    request.rollout = {
      waves: waves.map((percent, i) => ({
        percent: numeric(percent),
        ...(v.successPercent.trim() ? { successThreshold: share(v.successPercent) } : {}),
        ...(v.failurePercent.trim() ? { failureThreshold: share(v.failurePercent) } : {}),
        ...(gated.has(i + 1) ? { requiresApproval: true } : {}),
      })),
    };
  }
  if (v.thresholdBasis === 'reached') request.options = { thresholdBasis: 'reached' };
  if (v.priority.trim()) request.priority = numeric(v.priority);
  if (v.startAt.trim()) request.startAt = instant(v.startAt);
  if (v.expiresAt.trim()) request.expiresAt = instant(v.expiresAt);
  const options = campaignOptions(v);
  if (Object.keys(options).length > 0)
    request.options = { ...(request.options as Record<string, unknown> | undefined), ...options };
  return request as unknown as CampaignCreateRequest;
}

/** Timeouts, automatic retry and what a crossed failure threshold does, where the form set them. */
function campaignOptions(v: CampaignFormValues): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const minutes = (v.timeoutMinutes ?? '').trim();
  if (minutes) {
    const n = numeric(minutes);
    options.inProgressTimeout = typeof n === 'number' ? Math.round(n * 60) : n;
  }
  const attempts = (v.retryMaxAttempts ?? '').trim();
  const backoff = (v.retryBackoffSeconds ?? '').trim();
  if (attempts || backoff) {
    options.retry = {
      maxAttempts: numeric(attempts),
      ...(backoff ? { backoffSeconds: numeric(backoff) } : {}),
    };
  }
  if (v.onFailureThreshold === 'cancel') options.onFailureThreshold = 'cancel';
  return options;
}
