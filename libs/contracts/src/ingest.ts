import { Type, type Static } from '@sinclair/typebox';
import { CampaignCreateRequest } from './campaign.js';
import { Uuid } from './primitives.js';

/** Default core broker topic backend systems publish campaign requests to. */
export const DEFAULT_INGEST_TOPIC = 'roadcast/ingest/campaigns';

/**
 * A campaign request published on the core broker: the REST body plus a request id that
 * makes a re-sent request return the campaign it already created, and where to answer.
 */
export const IngestCampaignRequest = Type.Composite(
  [
    CampaignCreateRequest,
    Type.Object({
      requestId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
      replyTo: Type.Optional(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^+#]+$' })),
    }),
  ],
  { additionalProperties: false },
);
export type IngestCampaignRequest = Static<typeof IngestCampaignRequest>;

export const IngestReply = Type.Union(
  [
    Type.Object({
      ok: Type.Literal(true),
      requestId: Type.String(),
      campaignId: Uuid(),
      status: Type.String(),
      total: Type.Integer(),
    }),
    Type.Object({
      ok: Type.Literal(false),
      requestId: Type.Union([Type.String(), Type.Null()]),
      code: Type.String(),
      message: Type.String(),
      problems: Type.Optional(
        Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
      ),
    }),
  ],
  {},
);
export type IngestReply = Static<typeof IngestReply>;
