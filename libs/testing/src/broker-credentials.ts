import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { processTempDir } from './temp-dirs.js';

/**
 * Who connects to a broker: the platform's three programs (the router with each vehicle's
 * client id), a backend system that sends campaign requests to the core broker, and, on test
 * edge brokers only, an observer that may read and write every vehicle topic.
 */
export type BrokerIdentity = 'router' | 'bridge' | 'tracker' | 'backend' | 'observer';

export const BROKER_IDENTITIES: readonly BrokerIdentity[] = [
  'router',
  'bridge',
  'tracker',
  'backend',
  'observer',
];

/** The user names `infra/mosquitto/*.acl` grant rights to; backend and observer are tests'. */
export const BROKER_USERNAMES: Record<BrokerIdentity, string> = {
  router: 'roadcast-router',
  bridge: 'roadcast-bridge',
  tracker: 'roadcast-tracker',
  backend: 'roadcast-test-backend',
  observer: 'roadcast-test-observer',
};

export interface BrokerCredentials {
  username: string;
  password: string;
}

export type PlatformCredentials = Record<BrokerIdentity, BrokerCredentials>;

let processCredentials: PlatformCredentials | null = null;
let processPasswordFiles: Record<BrokerIdentity, string> | null = null;

/** Random passwords for every identity, made once per process and shared by its brokers. */
export function platformCredentials(): PlatformCredentials {
  processCredentials ??= newPlatformCredentials();
  return processCredentials;
}

export function newPlatformCredentials(): PlatformCredentials {
  const entries = BROKER_IDENTITIES.map((identity) => [
    identity,
    { username: BROKER_USERNAMES[identity], password: randomBytes(18).toString('base64url') },
  ]);
  return Object.fromEntries(entries) as PlatformCredentials;
}

function findMosquittoPasswd(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'mosquitto_passwd'), constants.X_OK);
      return join(dir, 'mosquitto_passwd');
    } catch {
      // Not in this folder.
    }
  }
  throw new Error('mosquitto_passwd not found; install the Debian package "mosquitto"');
}

/** Writes a Mosquitto password file for the identities, hashed by `mosquitto_passwd` itself. */
export function writeMosquittoPasswordFile(file: string, credentials: PlatformCredentials): void {
  const binary = findMosquittoPasswd();
  writeFileSync(file, '', { mode: 0o600 });
  for (const { username, password } of Object.values(credentials)) {
    const made = spawnSync(binary, ['-b', file, username, password], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
  }
}

/**
 * One file per identity holding its password, as the apps' `*_PASSWORD_FILE` settings read
 * them; returns the paths.
 */
export function writePasswordFiles(
  dir: string,
  credentials: PlatformCredentials,
): Record<BrokerIdentity, string> {
  const files = {} as Record<BrokerIdentity, string>;
  for (const identity of BROKER_IDENTITIES) {
    files[identity] = join(dir, `${identity}-broker-password`);
    writeFileSync(files[identity], `${credentials[identity].password}\n`, { mode: 0o600 });
  }
  return files;
}

/**
 * A file holding the identity's password from `platformCredentials()`, for an app started
 * with its `*_PASSWORD_FILE` setting; removed when the process exits.
 */
export function platformPasswordFile(identity: BrokerIdentity): string {
  processPasswordFiles ??= writePasswordFiles(processTempDir('secrets'), platformCredentials());
  return processPasswordFiles[identity];
}
