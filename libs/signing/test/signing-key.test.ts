import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  generateSigningKeyPair,
  loadPublicKey,
  loadSigningKey,
  signNoticeBatch,
  verifyNoticePayload,
  writeSigningKeyFiles,
} from '../src/index.js';
import { now, sampleNotice, vehicle } from './fixtures.js';

test('key files are written as PEM and load back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadcast-signing-'));
  try {
    const files = await writeSigningKeyFiles(join(dir, 'keys'), 'dev-1');
    const pem = await readFile(files.privateKeyFile, 'utf8');
    assert.match(pem, /BEGIN PRIVATE KEY/);
    assert.equal((await stat(files.privateKeyFile)).mode & 0o777, 0o600);
    const [payload] = signNoticeBatch([sampleNotice(0)], loadSigningKey(pem, 'dev-1'));
    const pub = await readFile(files.publicKeyFile, 'utf8');
    const trustedKeys = new Map([['dev-1', loadPublicKey(pub)]]);
    assert.equal(
      verifyNoticePayload(payload!, { vehicleId: vehicle(0), trustedKeys, now }).ok,
      true,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('key ids are restricted to what a root statement and a file name can carry', () => {
  assert.throws(() => generateSigningKeyPair('has space'), /invalid key id/);
  assert.throws(() => generateSigningKeyPair('x'.repeat(129)), /invalid key id/);
});

test('a trusted entry that is not an Ed25519 public key trusts nothing', () => {
  const pair = generateSigningKeyPair('dev-1');
  const [payload] = signNoticeBatch([sampleNotice(0)], loadSigningKey(pair.privateKeyPem, 'dev-1'));
  const x25519 = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' });
  for (const entry of ['not a key', x25519.toString()]) {
    const result = verifyNoticePayload(payload!, {
      vehicleId: vehicle(0),
      trustedKeys: new Map([['dev-1', entry]]),
      now,
    });
    assert.deepEqual(result.ok ? 'ok' : result.reason, 'unknown-key');
  }
});
