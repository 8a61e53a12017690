import { Type, type Static } from '@sinclair/typebox';
import { CAMPAIGN_STATUSES } from './campaign-lifecycle.js';
import { IsoTime, Uuid } from './primitives.js';

const Time = (description: string) => Type.Union([IsoTime(), Type.Null()], { description });
const Num = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

/** What a prediction was computed from (docs/decisions/0354), for operators to read. */
export const EstimateBasis = Type.Object({
  reachRatePerHour: Num(
    'Rate at which an unreached vehicle comes back and answers (λ per hour): returns divided by the hours vehicles waited unreached',
  ),
  installShare: Num('Share of the ended reached deliveries that installed'),
  lagSeconds: Num("Seconds from a vehicle's first answer to its delivery's end"),
  installsPerHour: Num('Installs per hour so far'),
  waveSize: Type.Integer({ minimum: 0 }),
  installed: Type.Integer({ minimum: 0 }),
  unreached: Type.Integer({ minimum: 0, description: 'Pending, published or parked' }),
  inProgress: Type.Integer({ minimum: 0 }),
  failures: Type.Integer({ minimum: 0 }),
  neededForThreshold: Type.Integer({ minimum: 0, description: 'Installs still needed' }),
  waitedSeconds: Type.Number({
    minimum: 0,
    description: "Vehicle-seconds this wave's vehicles spent unreached since it settled",
  }),
  returns: Type.Integer({
    minimum: 0,
    description: 'Unreached vehicles that came back and answered in that time',
  }),
  startAt: Time('When the wave started, or is predicted to start'),
  cappedAtExpiry: Type.Boolean({
    description: "The end was capped at the campaign's expiry, which ends every open delivery",
  }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'Why a time is missing' }),
});
export type EstimateBasis = Static<typeof EstimateBasis>;

export const WaveEstimate = Type.Object({
  wave: Type.Integer({ minimum: 0 }),
  computedAt: IsoTime(),
  successAt: Time('When the wave is predicted to install its success threshold'),
  completeAt: Time('When its last delivery is predicted to end'),
  method: Type.String({ description: 'How it was computed, e.g. reach-rate' }),
  basis: EstimateBasis,
});
export type WaveEstimate = Static<typeof WaveEstimate>;

export const CompletionEstimate = Type.Object({
  campaignId: Uuid(),
  status: Type.Union(CAMPAIGN_STATUSES.map((s) => Type.Literal(s))),
  computedAt: Time('When the tracker last computed it'),
  successAt: Time('When the last wave is predicted to reach its success threshold'),
  completeAt: Time('When every delivery is predicted to have ended'),
  method: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why a time is null: not started, paused, nothing observed yet, or not expected',
  }),
  waves: Type.Array(WaveEstimate),
});
export type CompletionEstimate = Static<typeof CompletionEstimate>;
