export { canonicalize } from './canonical-json.js';
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
export {
  signNotice,
  signNoticeAsync,
  signedBytes,
  verifyNotice,
  type VerifyFailure,
  type VerifyResult,
} from './notice-signature.js';
