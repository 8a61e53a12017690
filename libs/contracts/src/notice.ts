import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Uuid } from './primitives.js';

/** What a vehicle needs to fetch and check an update image. */
export const UpdateRef = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128 }),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type UpdateRef = Static<typeof UpdateRef>;

export const NOTICE_TYPES = ['update', 'cancel'] as const;
export type NoticeType = (typeof NOTICE_TYPES)[number];

/**
 * The signed message a vehicle receives on `vehicles/{id}/ota/notices`. A `cancel` notice
 * carries the same update reference as the notice it withdraws.
 */
export const Notice = Type.Object(
  {
    noticeId: Uuid(),
    campaignId: Uuid(),
    type: Type.Union(NOTICE_TYPES.map((t) => Type.Literal(t))),
    update: UpdateRef,
    priority: Type.Integer(),
    issuedAt: IsoTime(),
    expiresAt: IsoTime(),
    keyId: Type.String({ minLength: 1, maxLength: 128 }),
    signature: Type.String({ pattern: '^[A-Za-z0-9_-]+$' }),
  },
  { additionalProperties: false },
);
export type Notice = Static<typeof Notice>;

/** The part of a notice the signature covers (everything but the signature itself). */
export type UnsignedNotice = Omit<Notice, 'signature'>;
