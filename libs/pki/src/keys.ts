import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { PkiMalformed, PkiUnsupportedKey } from './errors.js';

/**
 * Every key of the fleet PKI is EC P-256: generation takes well under a millisecond, so a
 * test can mint certificates freely, and every TLS stack a vehicle or broker runs accepts it.
 */
export function generateKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

export function privateKeyToPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Reads a PEM private key and checks that it is one the CA can sign with. */
export function readSigningKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new PkiMalformed(`private key unreadable: ${(err as Error).message}`);
  }
  assertP256(key);
  return key;
}

export function assertP256(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new PkiUnsupportedKey();
  }
}

export function spkiDer(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ type: 'spki', format: 'der' });
}
