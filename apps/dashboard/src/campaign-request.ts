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
  return request as unknown as CampaignCreateRequest;
}
