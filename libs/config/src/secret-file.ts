import { readFileSync } from 'node:fs';

/**
 * A secret kept in a file (a mounted Kubernetes Secret, a compose secret): its contents
 * without the trailing line break, or undefined when no file is configured. Settings name
 * the file, never the secret, so it stays out of environment dumps and process listings.
 */
export function readSecretFile(file: string): string | undefined {
  if (!file) return undefined;
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}
