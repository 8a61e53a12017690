import { MAX_NOTICE_BATCH_SIZE } from '@roadcast/contracts';
import { InvalidKeyId } from './errors.js';

/**
 * Names the format, the signature and the hash. It ends in 0x00 so no future context string
 * can extend it, and it can never start a per-notice signed message of the legacy format
 * (canonical JSON, which starts with `{`): one key may sign both during a transition.
 */
export const BATCH_CONTEXT = 'roadcast-notice-batch-v2/ed25519-sha256';

const KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;
const context = Buffer.from(`${BATCH_CONTEXT}\0`, 'latin1');

/**
 * The bytes a batch signature covers (docs/notice-format.md):
 *
 *   context "roadcast-notice-batch-v2/ed25519-sha256" || 0x00
 *   || u8 length of the key id || key id (ASCII)
 *   || u32 big-endian batch size
 *   || 32-byte Merkle root
 *
 * Every field has a fixed size or a length before it, so two different statements can never
 * have the same bytes. The key id is signed so a root cannot be re-labelled to another key;
 * the size is signed so an audit path must have the one length it implies.
 */
export function batchStatement(keyId: string, size: number, root: Uint8Array): Buffer {
  if (!KEY_ID.test(keyId)) throw new InvalidKeyId(JSON.stringify(keyId));
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_NOTICE_BATCH_SIZE) {
    throw new RangeError(`batch size ${size} is out of range`);
  }
  if (root.length !== 32) throw new RangeError('a Merkle root has 32 bytes');
  const statement = Buffer.allocUnsafe(context.length + 1 + keyId.length + 4 + 32);
  let at = context.copy(statement, 0);
  at = statement.writeUInt8(keyId.length, at);
  at += statement.write(keyId, at, 'latin1');
  at = statement.writeUInt32BE(size, at);
  statement.set(root, at);
  return statement;
}
