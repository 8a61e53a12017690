import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidKeyId, NotEd25519Key } from './errors.js';

/** A private Ed25519 key and the id vehicles use to find its public half. */
export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface SigningKeyPair {
  keyId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

function assertKeyId(keyId: string): void {
  if (!KEY_ID_PATTERN.test(keyId)) throw new InvalidKeyId(JSON.stringify(keyId));
}

/** A fresh Ed25519 key pair as PKCS#8 (private) and SPKI (public) PEM. */
export function generateSigningKeyPair(keyId: string): SigningKeyPair {
  assertKeyId(keyId);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyId,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface SigningKeyFiles extends SigningKeyPair {
  privateKeyFile: string;
  publicKeyFile: string;
}

/**
 * Writes `<keyId>.key` (mode 0600) and `<keyId>.pub` into `dir`, creating it if needed.
 */
export async function writeSigningKeyFiles(dir: string, keyId: string): Promise<SigningKeyFiles> {
  const pair = generateSigningKeyPair(keyId);
  await mkdir(dir, { recursive: true });
  const privateKeyFile = join(dir, `${keyId}.key`);
  const publicKeyFile = join(dir, `${keyId}.pub`);
  await writeFile(privateKeyFile, pair.privateKeyPem, { mode: 0o600 });
  await writeFile(publicKeyFile, pair.publicKeyPem, { mode: 0o644 });
  return { ...pair, privateKeyFile, publicKeyFile };
}

/** Parses a PKCS#8 PEM Ed25519 private key. */
export function loadSigningKey(privateKeyPem: string, keyId: string): SigningKey {
  assertKeyId(keyId);
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new NotEd25519Key(`signing key ${keyId}`, privateKey.asymmetricKeyType ?? 'unknown');
  }
  return { keyId, privateKey, publicKey: createPublicKey(privateKey) };
}

/** Parses an SPKI PEM Ed25519 public key. */
export function loadPublicKey(publicKeyPem: string): KeyObject {
  const key = createPublicKey(publicKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new NotEd25519Key('public key', key.asymmetricKeyType ?? 'unknown');
  }
  return key;
}

/** The public half as SPKI PEM, for publishing to vehicles. */
export function publicKeyPem(key: SigningKey): string {
  return key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}
