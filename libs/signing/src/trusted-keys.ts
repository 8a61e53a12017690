import { createPublicKey, type KeyObject } from 'node:crypto';

/** Public keys a vehicle trusts, by key id: KeyObjects or SPKI PEM text. */
export type TrustedKeys = ReadonlyMap<string, KeyObject | string>;

const PARSED_LIMIT = 64;
const parsed = new Map<string, KeyObject>();

/**
 * The Ed25519 public key trusted under `keyId`, or undefined when none is (or the entry is
 * not an Ed25519 key). PEM text is parsed once: a simulated fleet verifies thousands of
 * notices with the same few keys.
 */
export function trustedPublicKey(trustedKeys: TrustedKeys, keyId: string): KeyObject | undefined {
  const entry = trustedKeys.get(keyId);
  if (entry === undefined) return undefined;
  let key = typeof entry === 'string' ? parsed.get(entry) : entry;
  if (key === undefined) {
    try {
      key = createPublicKey(entry);
    } catch {
      return undefined;
    }
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(entry as string, key);
  }
  return key.type === 'public' && key.asymmetricKeyType === 'ed25519' ? key : undefined;
}
