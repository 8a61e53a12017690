import { sign } from 'node:crypto';
import { promisify } from 'node:util';
import type { Notice } from '@roadcast/contracts';
import { batchStatement } from './batch-statement.js';
import { MerkleTree, hashPrefixedLeaf } from './merkle-tree.js';
import { noticeLeaf } from './notice-leaf.js';
import type { SigningKey } from './signing-key.js';

const HEAD = Buffer.from('{"notice":', 'latin1');
const signOnThreadPool = promisify(sign);

/** The leaves of a batch (each preceded by 0x00, ready to hash) and their tree. */
interface PreparedBatch {
  leaves: Buffer[];
  tree: MerkleTree;
}

function prepare(notices: readonly Notice[]): PreparedBatch {
  if (notices.length === 0) throw new Error('a notice batch needs at least one notice');
  // The leaf is encoded to UTF-8 once: its bytes are hashed and then copied into the payload.
  const leaves = notices.map((n) => Buffer.from(`\u0000${noticeLeaf(n)}`, 'utf8'));
  return { leaves, tree: new MerkleTree(leaves.map(hashPrefixedLeaf)) };
}

/**
 * Writes each payload, `{"notice":LEAF,"proof":PROOF}`, with the proof in canonical JSON.
 * Everything in the proof but the index and the path is the same for the whole batch, and
 * each tree node is base64url-encoded once however many paths it appears in.
 */
function payloads({ leaves, tree }: PreparedBatch, keyId: string, signature: Buffer): Buffer[] {
  const { levels } = tree;
  const encoded = levels.map((level) => new Array<string | undefined>(level.length));
  const middle = `,"keyId":"${keyId}","path":[`;
  const tail =
    `],"root":"${tree.root.toString('base64url')}"` +
    `,"signature":"${signature.toString('base64url')}","size":${tree.size}}}`;
  const result = new Array<Buffer>(leaves.length);
  for (let index = 0; index < leaves.length; index += 1) {
    let path = '';
    for (let level = 0, i = index; level < levels.length - 1; level += 1, i >>>= 1) {
      const sibling = i ^ 1;
      if (sibling >= levels[level]!.length) continue;
      const node = (encoded[level]![sibling] ??=
        `"${levels[level]![sibling]!.toString('base64url')}"`);
      path = path === '' ? node : `${path},${node}`;
    }
    const proof = `,"proof":{"index":${index}${middle}${path}${tail}`;
    const prefixed = leaves[index]!;
    const leafEnd = HEAD.length + prefixed.length - 1;
    const payload = Buffer.allocUnsafe(leafEnd + proof.length);
    HEAD.copy(payload, 0);
    prefixed.copy(payload, HEAD.length, 1);
    payload.write(proof, leafEnd, 'latin1');
    result[index] = payload;
  }
  return result;
}

/**
 * Signs a batch of notices with one Ed25519 signature over the root statement of their
 * Merkle tree and returns each notice's payload, in order. Every payload verifies on its own.
 */
export function signNoticeBatch(notices: readonly Notice[], key: SigningKey): Buffer[] {
  const batch = prepare(notices);
  const statement = batchStatement(key.keyId, batch.tree.size, batch.tree.root);
  return payloads(batch, key.keyId, sign(null, statement, key.privateKey));
}

/**
 * `signNoticeBatch` with the signature computed on libuv's thread pool: the event loop pays
 * for the hashes and the payloads, not for the signature.
 */
export async function signNoticeBatchAsync(
  notices: readonly Notice[],
  key: SigningKey,
): Promise<Buffer[]> {
  const batch = prepare(notices);
  const statement = batchStatement(key.keyId, batch.tree.size, batch.tree.root);
  return payloads(batch, key.keyId, await signOnThreadPool(null, statement, key.privateKey));
}
