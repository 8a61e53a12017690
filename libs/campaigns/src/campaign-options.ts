import {
  DEFAULT_RETRY_STATES,
  type CampaignCreateRequest,
  type CampaignSettings,
  type MaintenanceWindow,
  type RetryStateName,
} from '@roadcast/contracts';
import { InvalidCampaignOptions } from './errors.js';

export const DEFAULT_RETRY_BACKOFF_S = 300;

/** A campaign's options as columns of `campaigns` (and rows of `campaign_windows`). */
export interface OptionColumns {
  inProgressTimeoutS: number | null;
  autoRetryMaxAttempts: number | null;
  autoRetryBackoffS: number | null;
  autoRetryStates: string[] | null;
  onFailureThreshold: 'pause' | 'cancel';
  thresholdBasis: 'target' | 'reached';
  dynamic: boolean;
  ratePerMinute: number | null;
  rampInitialPerMinute: number | null;
  rampFactor: number | null;
  rampStepS: number | null;
  rampStepSuccesses: number | null;
  bootObservationS: number | null;
  windows: Array<{ days: number[]; startMinute: number; endMinute: number }>;
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};
const hhmm = (m: number): string =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function invalid(message: string): never {
  throw new InvalidCampaignOptions(message);
}

/**
 * Checks what the schema cannot (a dynamic campaign needs a filter, a window is not empty, a
 * ramp has exactly one step criterion and starts at or below the maximum) and turns the
 * options into the columns that store them, defaults filled in.
 */
export function planOptions(request: CampaignCreateRequest): OptionColumns {
  const o = request.options ?? {};
  if (o.dynamic && !request.target.filter)
    invalid('a dynamic campaign needs a target filter for vehicles to join by');
  const windows = (o.maintenanceWindows ?? []).map((w: MaintenanceWindow) => {
    const startMinute = minutes(w.start);
    const endMinute = minutes(w.end);
    if (startMinute === endMinute) invalid('a maintenance window must not start when it ends');
    return { days: [...w.days].sort((a, b) => a - b), startMinute, endMinute };
  });
  const ramp = o.rate?.ramp;
  if (ramp) {
    if ((ramp.stepSeconds === undefined) === (ramp.stepSuccesses === undefined))
      invalid('a ramp steps either every stepSeconds or every stepSuccesses, exactly one of them');
    if (ramp.initialPerMinute > o.rate!.maxPerMinute)
      invalid('a ramp must start at or below maxPerMinute');
  }
  return {
    inProgressTimeoutS: o.inProgressTimeout ?? null,
    autoRetryMaxAttempts: o.retry?.maxAttempts ?? null,
    autoRetryBackoffS: o.retry ? (o.retry.backoffSeconds ?? DEFAULT_RETRY_BACKOFF_S) : null,
    autoRetryStates: o.retry ? [...(o.retry.on ?? DEFAULT_RETRY_STATES)] : null,
    onFailureThreshold: o.onFailureThreshold ?? 'pause',
    thresholdBasis: o.thresholdBasis ?? 'target',
    dynamic: o.dynamic ?? false,
    ratePerMinute: o.rate?.maxPerMinute ?? null,
    rampInitialPerMinute: ramp?.initialPerMinute ?? null,
    rampFactor: ramp?.factor ?? null,
    rampStepS: ramp?.stepSeconds ?? null,
    rampStepSuccesses: ramp?.stepSuccesses ?? null,
    bootObservationS: o.healthyBoot?.observationSeconds ?? null,
    windows,
  };
}

/** Each option column of `campaigns`: its name, its SQL type and its value. */
const OPTION_FIELDS: ReadonlyArray<[string, string, (o: OptionColumns) => unknown]> = [
  ['in_progress_timeout_s', 'int', (o) => o.inProgressTimeoutS],
  ['auto_retry_max_attempts', 'int', (o) => o.autoRetryMaxAttempts],
  ['auto_retry_backoff_s', 'int', (o) => o.autoRetryBackoffS],
  ['auto_retry_states', 'delivery_state[]', (o) => o.autoRetryStates],
  ['on_failure_threshold', 'failure_action', (o) => o.onFailureThreshold],
  ['threshold_basis', 'threshold_basis', (o) => o.thresholdBasis],
  ['dynamic', 'bool', (o) => o.dynamic],
  ['rate_per_minute', 'int', (o) => o.ratePerMinute],
  ['ramp_initial_per_minute', 'int', (o) => o.rampInitialPerMinute],
  ['ramp_factor', 'float8', (o) => o.rampFactor],
  ['ramp_step_s', 'int', (o) => o.rampStepS],
  ['ramp_step_successes', 'int', (o) => o.rampStepSuccesses],
  ['boot_observation_s', 'int', (o) => o.bootObservationS],
];

/** How an INSERT into `campaigns` writes the options, from parameter `from` on. */
export const OPTION_INSERT = {
  columns: OPTION_FIELDS.map(([column]) => column).join(', '),
  placeholders: (from: number): string =>
    OPTION_FIELDS.map(([, type], i) => `$${from + i}::${type}`).join(', '),
  values: (o: OptionColumns): unknown[] => OPTION_FIELDS.map(([, , value]) => value(o)),
};

/** The columns of `campaigns` that hold options, aliased to OptionColumns' names. */
export const OPTION_COLUMNS = `
  c.in_progress_timeout_s AS "inProgressTimeoutS", c.auto_retry_max_attempts AS "autoRetryMaxAttempts",
  c.auto_retry_backoff_s AS "autoRetryBackoffS", c.auto_retry_states::text[] AS "autoRetryStates",
  c.on_failure_threshold AS "onFailureThreshold", c.threshold_basis AS "thresholdBasis", c.dynamic,
  c.rate_per_minute AS "ratePerMinute", c.ramp_initial_per_minute AS "rampInitialPerMinute",
  c.ramp_factor AS "rampFactor", c.ramp_step_s AS "rampStepS", c.ramp_step_successes AS "rampStepSuccesses",
  c.boot_observation_s AS "bootObservationS",
  COALESCE((SELECT json_agg(json_build_object('days', w.days, 'startMinute', w.start_minute,
    'endMinute', w.end_minute) ORDER BY w.index) FROM campaign_windows w WHERE w.campaign_id = c.id),
    '[]'::json) AS windows`;

/** The options as an API answer shows them. */
export function toSettings(c: OptionColumns): CampaignSettings {
  return {
    inProgressTimeout: c.inProgressTimeoutS,
    retry:
      c.autoRetryMaxAttempts === null
        ? null
        : {
            maxAttempts: c.autoRetryMaxAttempts,
            backoffSeconds: c.autoRetryBackoffS ?? DEFAULT_RETRY_BACKOFF_S,
            on: (c.autoRetryStates ?? [...DEFAULT_RETRY_STATES]) as RetryStateName[],
          },
    onFailureThreshold: c.onFailureThreshold,
    thresholdBasis: c.thresholdBasis,
    dynamic: c.dynamic,
    maintenanceWindows: c.windows.map((w) => ({
      days: w.days,
      start: hhmm(w.startMinute),
      end: hhmm(w.endMinute),
    })),
    rate:
      c.ratePerMinute === null
        ? null
        : {
            maxPerMinute: c.ratePerMinute,
            ...(c.rampInitialPerMinute !== null && c.rampFactor !== null
              ? {
                  ramp: {
                    initialPerMinute: c.rampInitialPerMinute,
                    factor: c.rampFactor,
                    ...(c.rampStepS !== null ? { stepSeconds: c.rampStepS } : {}),
                    ...(c.rampStepSuccesses !== null ? { stepSuccesses: c.rampStepSuccesses } : {}),
                  },
                }
              : {}),
          },
    healthyBoot: c.bootObservationS === null ? null : { observationSeconds: c.bootObservationS },
  };
}
