import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Uuid, VehicleId } from './primitives.js';

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
 * What a vehicle acts on, all of it signed: the leaf of a signed batch (docs/notice-format.md).
 * It names the one vehicle it is for. A `cancel` notice carries the same update reference as
 * the notice it withdraws.
 */
export const Notice = Type.Object(
  {
    noticeId: Uuid(),
    campaignId: Uuid(),
    vehicleId: VehicleId(),
    type: Type.Union(NOTICE_TYPES.map((t) => Type.Literal(t))),
    update: UpdateRef,
    priority: Type.Integer(),
    issuedAt: IsoTime(),
    expiresAt: IsoTime(),
  },
  { additionalProperties: false },
);
export type Notice = Static<typeof Notice>;

/** Largest batch one root statement may cover: its size is a 32-bit number. */
export const MAX_NOTICE_BATCH_SIZE = 0xffffffff;

const Sha256Base64Url = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });

/** How one notice proves it belongs to a batch whose Merkle root a trusted key signed. */
export const NoticeProof = Type.Object(
  {
    index: Type.Integer({ minimum: 0, maximum: MAX_NOTICE_BATCH_SIZE - 1 }),
    keyId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' }),
    /** Sibling hashes from the leaf up to the root (RFC 9162 inclusion proof). */
    path: Type.Array(Sha256Base64Url, { maxItems: 32 }),
    root: Sha256Base64Url,
    signature: Type.String({ pattern: '^[A-Za-z0-9_-]{86}$' }),
    size: Type.Integer({ minimum: 1, maximum: MAX_NOTICE_BATCH_SIZE }),
  },
  { additionalProperties: false },
);
export type NoticeProof = Static<typeof NoticeProof>;

/**
 * The payload on `vehicles/{id}/ota/notices`, exactly `{"notice":LEAF,"proof":PROOF}`: the
 * signed leaf bytes as sent, then the proof. Vehicles hash the leaf bytes they received.
 */
export const NoticeMessage = Type.Object(
  { notice: Notice, proof: NoticeProof },
  { additionalProperties: false },
);
export type NoticeMessage = Static<typeof NoticeMessage>;

/**
 * The earlier format: one Ed25519 signature per notice over its canonical JSON, without the
 * vehicle id. Vehicles accept it only from keys they mark as legacy, during a transition.
 */
export const LegacyNotice = Type.Composite(
  [
    Type.Omit(Notice, ['vehicleId']),
    Type.Object({
      keyId: Type.String({ minLength: 1, maxLength: 128 }),
      signature: Type.String({ pattern: '^[A-Za-z0-9_-]+$' }),
    }),
  ],
  { additionalProperties: false },
);
export type LegacyNotice = Static<typeof LegacyNotice>;
