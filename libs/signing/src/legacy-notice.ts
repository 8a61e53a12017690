import { verify } from 'node:crypto';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { LegacyNotice } from '@roadcast/contracts';
import { canonicalize } from './canonical-json.js';
import { trustedPublicKey } from './trusted-keys.js';
import { claimedIds, type VerifyOptions, type VerifyResult } from './verify-result.js';

const LegacyCheck = TypeCompiler.Compile(LegacyNotice);

/**
 * Verifies a notice of the legacy format (decision 0300): an Ed25519 signature over the
 * canonical JSON of every field but `signature`. That format does not name the vehicle, so it
 * is accepted only from keys the vehicle marks as legacy, and it is taken to be for the
 * vehicle whose topic it arrived on.
 */
export function verifyLegacyNotice(parsed: unknown, options: VerifyOptions): VerifyResult {
  if (!LegacyCheck.Check(parsed)) return { ok: false, reason: 'malformed', ...claimedIds(parsed) };
  const { signature, ...signed } = parsed;
  const ids = { noticeId: signed.noticeId, campaignId: signed.campaignId };
  const expiresAt = Date.parse(signed.expiresAt);
  if (Number.isNaN(expiresAt) || Number.isNaN(Date.parse(signed.issuedAt))) {
    return { ok: false, reason: 'malformed', ...ids };
  }
  const key = trustedPublicKey(options.trustedKeys, signed.keyId);
  if (key === undefined) return { ok: false, reason: 'unknown-key', ...ids };
  if (!options.legacyKeyIds?.has(signed.keyId))
    return { ok: false, reason: 'legacy-format', ...ids };
  let valid = false;
  try {
    valid = verify(
      null,
      Buffer.from(canonicalize(signed), 'utf8'),
      key,
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad-signature', ...ids };
  if (expiresAt <= (options.now ?? new Date()).getTime()) {
    return { ok: false, reason: 'expired', ...ids };
  }
  const { keyId, ...content } = signed;
  return {
    ok: true,
    notice: { ...content, vehicleId: options.vehicleId },
    keyId,
    format: 'legacy',
  };
}
