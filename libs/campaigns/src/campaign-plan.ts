import type { CampaignCreateRequest, WaveSpec } from '@roadcast/contracts';
import { planOptions, type OptionColumns } from './campaign-options.js';
import { InvalidRollout, InvalidSchedule } from './errors.js';

export const DEFAULT_CAMPAIGN_LIFETIME_MS = 30 * 24 * 3600 * 1000;
export const DEFAULT_SUCCESS_THRESHOLD = 0.95;
export const DEFAULT_FAILURE_THRESHOLD = 0.05;

export interface PlannedWave {
  index: number;
  percent: number;
  successThreshold: number;
  failureThreshold: number;
  requiresApproval: boolean;
}

export interface CampaignPlan {
  startAt: Date;
  expiresAt: Date;
  priority: number;
  waves: PlannedWave[];
  options: OptionColumns;
}

/**
 * Checks what a schema cannot (waves increase and end at 100, expiry after start and in the
 * future, options that fit together) and fills defaults: one wave of 100 %, start now, expiry
 * 30 days after the start.
 */
export function planCampaign(request: CampaignCreateRequest, now: Date = new Date()): CampaignPlan {
  const startAt = request.startAt ? new Date(request.startAt) : now;
  if (Number.isNaN(startAt.getTime())) throw new InvalidSchedule('startAt is not a valid time');
  const expiresAt = request.expiresAt
    ? new Date(request.expiresAt)
    : new Date(startAt.getTime() + DEFAULT_CAMPAIGN_LIFETIME_MS);
  if (Number.isNaN(expiresAt.getTime())) throw new InvalidSchedule('expiresAt is not a valid time');
  if (expiresAt.getTime() <= Math.max(startAt.getTime(), now.getTime())) {
    throw new InvalidSchedule('expiresAt must be later than startAt and now');
  }
  const specs: WaveSpec[] = request.rollout?.waves ?? [{ percent: 100 }];
  let previous = 0;
  const waves = specs.map((spec, index) => {
    if (!(spec.percent > previous)) {
      throw new InvalidRollout('wave percentages must be cumulative and strictly increasing');
    }
    previous = spec.percent;
    return {
      index,
      percent: spec.percent,
      successThreshold: spec.successThreshold ?? DEFAULT_SUCCESS_THRESHOLD,
      failureThreshold: spec.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
      requiresApproval: spec.requiresApproval ?? false,
    };
  });
  if (previous !== 100) throw new InvalidRollout('the last wave must reach 100 percent');
  const options = planOptions(request);
  return { startAt, expiresAt, priority: request.priority ?? 0, waves, options };
}
