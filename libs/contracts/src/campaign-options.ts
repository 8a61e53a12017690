import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_RETRY_STATES } from './delivery-transitions.js';

/**
 * How a campaign is controlled beyond its waves: timeouts, retries, what a failure threshold
 * does, dynamic targets, maintenance windows, rate and ramp-up, reachability-aware thresholds
 * and healthy-boot success. Every option is optional in a create request; the campaign
 * answers with all of them (defaults filled in) under `options`. See docs/decisions/0341.
 */

const Seconds = (maximum: number, description: string) =>
  Type.Integer({ minimum: 1, maximum, description });

const DAY_SECONDS = 86_400;
const LOCAL_TIME = '^([01]\\d|2[0-3]):[0-5]\\d$';

/** The endings an automatic retry policy may cover. */
export const RetryStateSchema = Type.Union(DEFAULT_RETRY_STATES.map((s) => Type.Literal(s)));
export type RetryStateName = Static<typeof RetryStateSchema>;

/** Retries a failed or timed-out delivery by itself, as a new attempt, up to a maximum. */
export const AutoRetryPolicy = Type.Object(
  {
    maxAttempts: Type.Integer({
      minimum: 2,
      maximum: 10,
      description: 'Attempts of one delivery in all, the first included',
    }),
    backoffSeconds: Type.Optional(
      Seconds(
        DAY_SECONDS,
        'Wait after a failure before the next attempt (default 300); doubles with each attempt',
      ),
    ),
    on: Type.Optional(
      Type.Array(RetryStateSchema, {
        minItems: 1,
        uniqueItems: true,
        description: 'Which endings are retried (default failed and timed_out)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type AutoRetryPolicy = Static<typeof AutoRetryPolicy>;

/** A recurring window, in the local time of each vehicle's region, in which notices go out. */
export const MaintenanceWindow = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
      minItems: 1,
      maxItems: 7,
      uniqueItems: true,
      description: 'ISO days of the week the window opens on: 1 Monday … 7 Sunday',
    }),
    start: Type.String({ pattern: LOCAL_TIME, description: 'Opens at HH:MM local time' }),
    end: Type.String({
      pattern: LOCAL_TIME,
      description: 'Closes at HH:MM local time; earlier than start closes on the next day',
    }),
  },
  { additionalProperties: false },
);
export type MaintenanceWindow = Static<typeof MaintenanceWindow>;

/** Exponential ramp-up: the rate starts low and grows by `factor` at each step up to the maximum. */
export const RateRamp = Type.Object(
  {
    initialPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    factor: Type.Number({
      exclusiveMinimum: 1,
      maximum: 5,
      description: 'Multiplier applied to the rate at each step',
    }),
    stepSeconds: Type.Optional(Seconds(DAY_SECONDS, 'Step every this many seconds')),
    stepSuccesses: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000_000,
        description: 'Step after this many more installed deliveries',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Exactly one of stepSeconds and stepSuccesses; initialPerMinute ≤ maxPerMinute',
  },
);
export type RateRamp = Static<typeof RateRamp>;

export const RateLimit = Type.Object(
  {
    maxPerMinute: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'First notices of delivery attempts this campaign sends per minute at most',
    }),
    ramp: Type.Optional(RateRamp),
  },
  { additionalProperties: false },
);
export type RateLimit = Static<typeof RateLimit>;

export const HealthyBoot = Type.Object(
  {
    observationSeconds: Seconds(
      DAY_SECONDS,
      'An installed delivery counts only after the vehicle ran the new version healthy this long',
    ),
  },
  { additionalProperties: false },
);
export type HealthyBoot = Static<typeof HealthyBoot>;

export const FailureAction = Type.Union([Type.Literal('pause'), Type.Literal('cancel')], {
  description: 'What crossing a failure threshold does; cancel sends cancel notices',
});
export const ThresholdBasis = Type.Union([Type.Literal('target'), Type.Literal('reached')], {
  description:
    "target: shares of the wave's deliveries; reached: shares of the deliveries whose vehicle answered",
});

/** The options a create request may carry. */
export const CampaignOptions = Type.Object(
  {
    inProgressTimeout: Type.Optional(
      Seconds(
        30 * DAY_SECONDS,
        'A delivery that reported progress and then stays silent this long becomes timed_out (a failure)',
      ),
    ),
    retry: Type.Optional(AutoRetryPolicy),
    onFailureThreshold: Type.Optional(FailureAction),
    thresholdBasis: Type.Optional(ThresholdBasis),
    dynamic: Type.Optional(
      Type.Boolean({
        description:
          'Vehicles registered or changed later that match the filter join the running wave until the campaign ends',
      }),
    ),
    maintenanceWindows: Type.Optional(
      Type.Array(MaintenanceWindow, {
        maxItems: 28,
        description: 'Notices go out only inside one of these windows; none means any time',
      }),
    ),
    rate: Type.Optional(RateLimit),
    healthyBoot: Type.Optional(HealthyBoot),
  },
  { additionalProperties: false },
);
export type CampaignOptions = Static<typeof CampaignOptions>;

/** A campaign's options as stored, defaults filled in. */
export const CampaignSettings = Type.Object({
  inProgressTimeout: Type.Union([Type.Integer(), Type.Null()]),
  retry: Type.Union([
    Type.Object({
      maxAttempts: Type.Integer(),
      backoffSeconds: Type.Integer(),
      on: Type.Array(RetryStateSchema),
    }),
    Type.Null(),
  ]),
  onFailureThreshold: FailureAction,
  thresholdBasis: ThresholdBasis,
  dynamic: Type.Boolean(),
  maintenanceWindows: Type.Array(MaintenanceWindow),
  rate: Type.Union([RateLimit, Type.Null()]),
  healthyBoot: Type.Union([HealthyBoot, Type.Null()]),
});
export type CampaignSettings = Static<typeof CampaignSettings>;
