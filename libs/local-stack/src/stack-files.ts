import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFleetPki } from '@roadcast/pki';
import { getTestPki } from '@roadcast/testing';

// Certificates, keys and secrets a stack hands to its apps.

export interface PkiFiles {
  dir: string;
  caFile: string;
  crlFile: string;
  routerCertFile: string;
  routerKeyFile: string;
  /** The session-ticket secret every router replica shares. */
  ticketKeyFile: string;
}

export async function testPki(dataDir: string): Promise<PkiFiles> {
  const pki = await getTestPki();
  return {
    dir: pki.dir,
    caFile: pki.caFile,
    crlFile: pki.crlFile,
    routerCertFile: pki.routerCertFile,
    routerKeyFile: pki.routerKeyFile,
    ticketKeyFile: await ensureTicketKey(join(dataDir, 'ticket.key')),
  };
}

export async function localPki(dir: string): Promise<PkiFiles> {
  if (!existsSync(join(dir, 'ca.crt'))) await createFleetPki(dir, { count: 10 });
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    crlFile: join(dir, 'crl.pem'),
    routerCertFile: join(dir, 'router.crt'),
    routerKeyFile: join(dir, 'router.key'),
    ticketKeyFile: await ensureTicketKey(join(dir, 'ticket.key')),
  };
}

/** 48 random bytes in base64, made once and kept, as `openssl rand -base64 48` would. */
async function ensureTicketKey(file: string): Promise<string> {
  if (!existsSync(file))
    await writeFile(file, `${randomBytes(48).toString('base64')}\n`, { mode: 0o600 });
  return file;
}

/** The development admin key survives restarts so scripts and browsers keep working. */
export async function localAdminKey(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim().length >= 32) return existing.trim();
  const key = randomBytes(32).toString('base64url');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}
