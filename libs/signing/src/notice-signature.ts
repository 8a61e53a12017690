import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { Notice, type UnsignedNotice } from '@roadcast/contracts';
import { canonicalNotice } from './notice-canonical.js';
import type { SigningKey } from './signing-key.js';

export type VerifyFailure = 'malformed' | 'unknown-key' | 'bad-signature' | 'expired';
export type VerifyResult = { ok: true; notice: Notice } | { ok: false; reason: VerifyFailure };

/** The bytes a signature covers: the canonical JSON of every field but `signature`. */
export function signedBytes(unsigned: UnsignedNotice): Buffer {
  return Buffer.from(canonicalNotice(unsigned), 'utf8');
}

/** Adds `keyId` and an Ed25519 signature (base64url) over the canonical encoding. */
export function signNotice(unsigned: Omit<Notice, 'signature' | 'keyId'>, key: SigningKey): Notice {
  const withKey: UnsignedNotice = { ...unsigned, keyId: key.keyId };
  const signature = sign(null, signedBytes(withKey), key.privateKey).toString('base64url');
  return { ...withKey, signature };
}

const signOnThreadPool = promisify(sign);

/**
 * `signNotice` with the signature computed on libuv's thread pool, so a process signing
 * many notices keeps its event loop free and uses more than one core.
 */
export async function signNoticeAsync(
  unsigned: Omit<Notice, 'signature' | 'keyId'>,
  key: SigningKey,
): Promise<Notice> {
  const withKey: UnsignedNotice = { ...unsigned, keyId: key.keyId };
  const signature = (await signOnThreadPool(null, signedBytes(withKey), key.privateKey)).toString(
    'base64url',
  );
  return { ...withKey, signature };
}

/**
 * Checks shape, key, signature and expiry, in that order, so a vehicle learns the first
 * reason a notice cannot be trusted. Trusted keys map key ids to public keys (KeyObject or
 * SPKI PEM).
 */
export function verifyNotice(
  input: unknown,
  trustedKeys: ReadonlyMap<string, KeyObject | string>,
  now: Date = new Date(),
): VerifyResult {
  if (!Value.Check(Notice, input)) return { ok: false, reason: 'malformed' };
  const notice = input;
  const expiresAt = Date.parse(notice.expiresAt);
  if (Number.isNaN(expiresAt) || Number.isNaN(Date.parse(notice.issuedAt))) {
    return { ok: false, reason: 'malformed' };
  }
  const trusted = trustedKeys.get(notice.keyId);
  if (trusted === undefined) return { ok: false, reason: 'unknown-key' };
  let publicKey: KeyObject;
  try {
    publicKey = typeof trusted === 'string' ? createPublicKey(trusted) : trusted;
  } catch {
    return { ok: false, reason: 'unknown-key' };
  }
  const { signature, ...unsigned } = notice;
  let valid = false;
  try {
    valid = verify(null, signedBytes(unsigned), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad-signature' };
  if (expiresAt <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, notice };
}
