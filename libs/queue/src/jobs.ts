import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UnrecoverableError } from 'bullmq';
import { UUID_PATTERN } from '@roadcast/contracts';

const DeliveryIds = Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 10_000 });
const CampaignId = Type.String({ pattern: UUID_PATTERN });

/** Publish the update notice of these pending deliveries of one campaign wave. */
export const FanoutJob = Type.Object(
  { campaignId: CampaignId, wave: Type.Integer({ minimum: 0 }), deliveryIds: DeliveryIds },
  { additionalProperties: false },
);
export type FanoutJob = Static<typeof FanoutJob>;

/**
 * Send again, with the same notice id, to wherever each vehicle is now: deliveries not yet
 * acknowledged after a reconnect or a retry timer. Deliveries may belong to any campaigns.
 */
export const RepublishJob = Type.Object(
  {
    deliveryIds: DeliveryIds,
    reason: Type.Union([Type.Literal('reconnect'), Type.Literal('retry')]),
  },
  { additionalProperties: false },
);
export type RepublishJob = Static<typeof RepublishJob>;

/** Tell vehicles that were told about a cancelled campaign that it is withdrawn. */
export const CancelNoticesJob = Type.Object(
  { campaignId: CampaignId, deliveryIds: DeliveryIds },
  { additionalProperties: false },
);
export type CancelNoticesJob = Static<typeof CancelNoticesJob>;

/** Start a scheduled campaign's first wave when it is due. */
export const StartCampaignJob = Type.Object(
  { campaignId: CampaignId },
  { additionalProperties: false },
);
export type StartCampaignJob = Static<typeof StartCampaignJob>;

/** Write a campaign's remaining deliveries in chunks, enqueueing fan-out for each chunk. */
export const MaterializeCampaignJob = Type.Object(
  { campaignId: CampaignId },
  { additionalProperties: false },
);
export type MaterializeCampaignJob = Static<typeof MaterializeCampaignJob>;

/**
 * The payload as its schema says, or an `UnrecoverableError` so BullMQ fails the job at
 * once instead of retrying something that can never succeed.
 */
export function parseJobData<T extends TSchema>(
  schema: T,
  data: unknown,
  jobName: string,
): Static<T> {
  if (Value.Check(schema, data)) return data;
  const first = Value.Errors(schema, data).First();
  throw new UnrecoverableError(
    `invalid ${jobName} payload${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`,
  );
}
