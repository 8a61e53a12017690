import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSigningKeyFiles } from '@roadcast/signing';

export interface StackSigningKey {
  keyId: string;
  privateKeyFile: string;
  publicKeyFile: string;
  publicKeyPem: string;
}

/** The notice-signing key pair in `dir`: created on first use, kept afterwards. */
export async function ensureSigningKey(dir: string, keyId: string): Promise<StackSigningKey> {
  const privateKeyFile = join(dir, `${keyId}.key`);
  const publicKeyFile = join(dir, `${keyId}.pub`);
  const existing = await readFile(publicKeyFile, 'utf8').catch(() => '');
  if (existing) return { keyId, privateKeyFile, publicKeyFile, publicKeyPem: existing };
  const written = await writeSigningKeyFiles(dir, keyId);
  return { keyId, privateKeyFile, publicKeyFile, publicKeyPem: written.publicKeyPem };
}
