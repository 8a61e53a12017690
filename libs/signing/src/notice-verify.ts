import { verify } from 'node:crypto';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Notice, NoticeProof } from '@roadcast/contracts';
import { batchStatement } from './batch-statement.js';
import { verifyLegacyNotice } from './legacy-notice.js';
import { auditPathLength, leafHash, rootFromPath } from './merkle-tree.js';
import { trustedPublicKey } from './trusted-keys.js';
import { claimedIds, type VerifyOptions, type VerifyResult } from './verify-result.js';

const NoticeCheck = TypeCompiler.Compile(Notice);
const ProofCheck = TypeCompiler.Compile(NoticeProof);
const HEAD = Buffer.from('{"notice":', 'latin1');
const SEPARATOR = Buffer.from(',"proof":', 'latin1');
const CLOSE = 0x7d;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
}

/** Base64url as the platform writes it (no padding, no other spelling of the same bytes). */
function decode(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * Decides whether a notice payload may be acted on by this vehicle, with the first reason it
 * may not (see VerifyFailure). The payload is `{"notice":LEAF,"proof":PROOF}`: the leaf
 * bytes are hashed exactly as received and only those bytes are parsed, so what is acted on
 * is what was signed. Payloads of the legacy per-notice format go to `verifyLegacyNotice`.
 */
export function verifyNoticePayload(payload: Uint8Array, options: VerifyOptions): VerifyResult {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (!bytes.subarray(0, HEAD.length).equals(HEAD)) {
    return verifyLegacyNotice(parseJson(bytes), options);
  }
  // Neither a leaf nor a proof can hold `,"proof":` (no such key; quotes in strings are
  // escaped), so it occurs exactly once, and the leaf is everything before it.
  const separator = bytes.indexOf(SEPARATOR, HEAD.length);
  if (
    separator < 0 ||
    bytes.indexOf(SEPARATOR, separator + 1) >= 0 ||
    bytes[bytes.length - 1] !== CLOSE
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const leaf = bytes.subarray(HEAD.length, separator);
  const notice = parseJson(leaf);
  const proof = parseJson(bytes.subarray(separator + SEPARATOR.length, bytes.length - 1));
  const ids = claimedIds(notice);
  if (!NoticeCheck.Check(notice) || !ProofCheck.Check(proof)) {
    return { ok: false, reason: 'malformed', ...ids };
  }
  const expiresAt = Date.parse(notice.expiresAt);
  const root = decode(proof.root);
  const signature = decode(proof.signature);
  const path = proof.path.map(decode);
  if (
    Number.isNaN(expiresAt) ||
    Number.isNaN(Date.parse(notice.issuedAt)) ||
    !root ||
    !signature ||
    path.some((p) => p === undefined)
  ) {
    return { ok: false, reason: 'malformed', ...ids };
  }
  const key = trustedPublicKey(options.trustedKeys, proof.keyId);
  if (key === undefined) return { ok: false, reason: 'unknown-key', ...ids };
  if (proof.index >= proof.size || path.length !== auditPathLength(proof.index, proof.size)) {
    return { ok: false, reason: 'bad-batch', ...ids };
  }
  const computed = rootFromPath(proof.index, proof.size, leafHash(leaf), path as Buffer[]);
  if (!computed?.equals(root)) return { ok: false, reason: 'bad-path', ...ids };
  let signed = false;
  try {
    signed = verify(null, batchStatement(proof.keyId, proof.size, root), key, signature);
  } catch {
    signed = false;
  }
  if (!signed) return { ok: false, reason: 'bad-signature', ...ids };
  if (notice.vehicleId !== options.vehicleId) return { ok: false, reason: 'wrong-vehicle', ...ids };
  if (expiresAt <= (options.now ?? new Date()).getTime()) {
    return { ok: false, reason: 'expired', ...ids };
  }
  return { ok: true, notice, keyId: proof.keyId, format: 'batch' };
}
