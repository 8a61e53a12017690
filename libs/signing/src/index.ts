export { canonicalize } from './canonical-json.js';
export { InvalidKeyId, NotEd25519Key } from './errors.js';
export {
  generateSigningKeyPair,
  loadPublicKey,
  loadSigningKey,
  publicKeyPem,
  writeSigningKeyFiles,
  type SigningKey,
  type SigningKeyFiles,
  type SigningKeyPair,
} from './signing-key.js';
export { BATCH_CONTEXT, batchStatement } from './batch-statement.js';
export {
  LEAF_PREFIX,
  MerkleTree,
  NODE_PREFIX,
  auditPathLength,
  leafHash,
  nodeHash,
  rootFromPath,
} from './merkle-tree.js';
export { noticeLeaf } from './notice-leaf.js';
export { signNoticeBatch, signNoticeBatchAsync } from './notice-batch.js';
export { verifyNoticePayload } from './notice-verify.js';
export type { TrustedKeys } from './trusted-keys.js';
export {
  VERIFY_FAILURES,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
} from './verify-result.js';
