import type { Notice } from '@roadcast/contracts';
import type { TrustedKeys } from './trusted-keys.js';

/**
 * Why a notice cannot be trusted, checked in this order:
 * - `malformed`: not the notice format (layout, JSON, shape, encodings, dates);
 * - `unknown-key`: the key id is not trusted (or names no Ed25519 key);
 * - `legacy-format`: a per-notice signed notice from a key not marked legacy;
 * - `bad-batch`: the index or the audit path's length does not fit the batch size;
 * - `bad-path`: the leaf and its audit path do not lead to the root (a tampered field or path);
 * - `bad-signature`: the root statement is not signed by that key (a forgery);
 * - `wrong-vehicle`: a genuine notice for another vehicle (swapped or replayed);
 * - `expired`: genuine and for this vehicle, but past its expiry.
 */
export type VerifyFailure =
  | 'malformed'
  | 'unknown-key'
  | 'legacy-format'
  | 'bad-batch'
  | 'bad-path'
  | 'bad-signature'
  | 'wrong-vehicle'
  | 'expired';

export const VERIFY_FAILURES: readonly VerifyFailure[] = [
  'malformed',
  'unknown-key',
  'legacy-format',
  'bad-batch',
  'bad-path',
  'bad-signature',
  'wrong-vehicle',
  'expired',
];

export interface VerifyOptions {
  /** The verifying vehicle: a notice naming another one is refused. */
  vehicleId: string;
  trustedKeys: TrustedKeys;
  /**
   * Keys whose notices in the legacy per-notice format are still accepted, during a
   * transition only: that format does not name the vehicle. Empty by default.
   */
  legacyKeyIds?: ReadonlySet<string>;
  now?: Date;
}

export type VerifyResult =
  | { ok: true; notice: Notice; keyId: string; format: 'batch' | 'legacy' }
  | {
      ok: false;
      reason: VerifyFailure;
      /** The ids the payload claims, when well formed, to report the refusal against. */
      noticeId?: string;
      campaignId?: string;
    };

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The ids a refused notice claims, when well formed, so the refusal can be reported. */
export function claimedIds(value: unknown): { noticeId?: string; campaignId?: string } {
  if (typeof value !== 'object' || value === null) return {};
  const { noticeId, campaignId } = value as Record<string, unknown>;
  return {
    ...(typeof noticeId === 'string' && UUID.test(noticeId) ? { noticeId } : {}),
    ...(typeof campaignId === 'string' && UUID.test(campaignId) ? { campaignId } : {}),
  };
}
