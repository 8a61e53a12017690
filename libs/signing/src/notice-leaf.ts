import type { Notice } from '@roadcast/contracts';

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new TypeError(`notice ${field} is not a string`);
  return JSON.stringify(value);
}

function integer(value: unknown, field: string): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`notice ${field} is not a safe integer`);
  return String(value);
}

/**
 * The JSON of the last value seen in one field. The notices of a batch mostly share their
 * campaign, update, times and type, so most fields are encoded once per batch, not per notice.
 */
const NOTHING = Symbol('nothing');

class LastEncoded {
  private input: unknown = NOTHING;
  private output = '';
  constructor(private readonly field: string) {}

  json(value: unknown): string {
    if (value !== this.input) {
      this.output = text(value, this.field);
      this.input = value;
    }
    return this.output;
  }
}

const campaignId = new LastEncoded('campaignId');
const expiresAt = new LastEncoded('expiresAt');
const issuedAt = new LastEncoded('issuedAt');
const type = new LastEncoded('type');
const updateId = new LastEncoded('update.id');
const sha256 = new LastEncoded('update.sha256');
const url = new LastEncoded('update.url');
const version = new LastEncoded('update.version');

/**
 * The leaf of a notice: its canonical JSON (keys sorted, no whitespace, strings as
 * `JSON.stringify` writes them). Exactly the fields of the notice contract are written, field
 * by field: a bridge writes millions of these. The result equals `canonicalize(notice)` for a
 * notice of the contract's shape, and it is both what is hashed and what is sent.
 */
export function noticeLeaf(n: Notice): string {
  const u = n.update;
  return (
    `{"campaignId":${campaignId.json(n.campaignId)},"expiresAt":${expiresAt.json(n.expiresAt)}` +
    `,"issuedAt":${issuedAt.json(n.issuedAt)},"noticeId":${text(n.noticeId, 'noticeId')}` +
    `,"priority":${integer(n.priority, 'priority')},"type":${type.json(n.type)}` +
    `,"update":{"id":${updateId.json(u.id)},"sha256":${sha256.json(u.sha256)}` +
    `,"size":${integer(u.size, 'update.size')},"url":${url.json(u.url)}` +
    `,"version":${version.json(u.version)}},"vehicleId":${text(n.vehicleId, 'vehicleId')}}`
  );
}
