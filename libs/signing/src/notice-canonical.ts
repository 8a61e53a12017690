import type { UnsignedNotice } from '@roadcast/contracts';
import { canonicalize } from './canonical-json.js';

const NOTICE_KEYS = 'campaignId,expiresAt,issuedAt,keyId,noticeId,priority,type,update';
const UPDATE_KEYS = 'id,sha256,size,url,version';
const s = JSON.stringify;

/**
 * The canonical JSON of an unsigned notice. A notice of exactly the documented shape is
 * written field by field in sorted order, the same bytes `canonicalize` produces without its
 * per-value sorting and intermediate arrays (a bridge signs millions of these); anything
 * else goes through `canonicalize`.
 */
export function canonicalNotice(n: UnsignedNotice): string {
  const u = n.update;
  if (
    typeof u === 'object' &&
    u !== null &&
    Object.keys(n).sort().join(',') === NOTICE_KEYS &&
    Object.keys(u).sort().join(',') === UPDATE_KEYS &&
    Number.isFinite(n.priority) &&
    Number.isFinite(u.size)
  ) {
    return (
      `{"campaignId":${s(n.campaignId)},"expiresAt":${s(n.expiresAt)},"issuedAt":${s(n.issuedAt)},` +
      `"keyId":${s(n.keyId)},"noticeId":${s(n.noticeId)},"priority":${s(n.priority)},"type":${s(n.type)},` +
      `"update":{"id":${s(u.id)},"sha256":${s(u.sha256)},"size":${s(u.size)},"url":${s(u.url)},"version":${s(u.version)}}}`
    );
  }
  return canonicalize(n);
}
