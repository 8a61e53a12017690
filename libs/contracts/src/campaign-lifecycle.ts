/**
 * Campaign and wave statuses and every legal change of them, by operation: the counterpart of
 * delivery-transitions.ts. `libs/campaigns` executes the operations and builds their SQL
 * guards from these entries.
 */
export const CAMPAIGN_STATUSES = [
  'scheduled',
  'running',
  'paused',
  'completed',
  'cancelled',
  'expired',
] as const;
export type CampaignStatusName = (typeof CAMPAIGN_STATUSES)[number];

/** Order of the `wave_state` enum: a wave may wait for an operator's approval before it runs. */
export const WAVE_STATES = ['pending', 'awaiting_approval', 'running', 'done'] as const;
export type WaveStateName = (typeof WAVE_STATES)[number];

export interface StatusOperation<S extends string> {
  readonly from: readonly S[];
  readonly to: readonly S[];
  readonly description: string;
}

/** Campaigns that have not ended. */
export const ACTIVE_CAMPAIGN_STATUSES: readonly CampaignStatusName[] = [
  'scheduled',
  'running',
  'paused',
];

export const CAMPAIGN_OPERATIONS = {
  start: {
    from: ['scheduled'],
    to: ['running'],
    description: 'A due campaign starts its first wave.',
  },
  pause: {
    from: ['scheduled', 'running'],
    to: ['paused'],
    description:
      'An operator, or a failure threshold with onFailureThreshold "pause", stops publishing.',
  },
  resume: {
    from: ['paused'],
    to: ['running', 'scheduled'],
    description: 'Publishing continues; a campaign paused before its start waits for it again.',
  },
  complete: {
    from: ['running'],
    to: ['completed'],
    description: 'Every wave started and no delivery is open (nor awaiting an automatic retry).',
  },
  reopen: {
    from: ['completed'],
    to: ['running'],
    description: 'A retry of a completed campaign that has not expired makes it run again.',
  },
  cancel: {
    from: ACTIVE_CAMPAIGN_STATUSES,
    to: ['cancelled'],
    description:
      'An operator, or a failure threshold with onFailureThreshold "cancel"; vehicles that were told get a cancel notice.',
  },
  expire: {
    from: ACTIVE_CAMPAIGN_STATUSES,
    to: ['expired'],
    description: 'Its expiry passed; open deliveries expire with it.',
  },
} as const satisfies Record<string, StatusOperation<CampaignStatusName>>;
export type CampaignOperationName = keyof typeof CAMPAIGN_OPERATIONS;

/** Campaigns whose failed deliveries an operator may retry (a completed one reopens). */
export const RETRY_CAMPAIGN_STATUSES: readonly CampaignStatusName[] = [
  'running',
  'paused',
  ...CAMPAIGN_OPERATIONS.reopen.from,
];

export const WAVE_OPERATIONS = {
  start: {
    from: ['pending'],
    to: ['running'],
    description: 'The rollout (or the campaign start) starts the wave.',
  },
  awaitApproval: {
    from: ['pending'],
    to: ['awaiting_approval'],
    description: 'The rollout reached a wave that requires approval; it waits for an operator.',
  },
  approve: {
    from: ['awaiting_approval'],
    to: ['running'],
    description: 'An operator approved the wave; who and when are recorded.',
  },
  finish: { from: ['running'], to: ['done'], description: 'The rollout moved past the wave.' },
  close: {
    from: ['pending', 'awaiting_approval', 'running'],
    to: ['done'],
    description: 'The campaign ended (completed, cancelled or expired).',
  },
} as const satisfies Record<string, StatusOperation<WaveStateName>>;
export type WaveOperationName = keyof typeof WAVE_OPERATIONS;

/** Waves whose deliveries are due: they started, and may have finished. */
export const STARTED_WAVE_STATES: readonly WaveStateName[] = ['running', 'done'];

function allows<S extends string>(op: StatusOperation<S>, from: S, to: S): boolean {
  return op.from.includes(from) && op.to.includes(to);
}

/** Whether a campaign operation may change a campaign from `from` to `to`. */
export const canChangeCampaign = (
  operation: CampaignOperationName,
  from: CampaignStatusName,
  to: CampaignStatusName,
): boolean => allows<CampaignStatusName>(CAMPAIGN_OPERATIONS[operation], from, to);

/** Whether a wave operation may change a wave from `from` to `to`. */
export const canChangeWave = (
  operation: WaveOperationName,
  from: WaveStateName,
  to: WaveStateName,
): boolean => allows<WaveStateName>(WAVE_OPERATIONS[operation], from, to);
