import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notice } from '@roadcast/contracts';
import {
  canonicalize,
  generateSigningKeyPair,
  loadSigningKey,
  signNotice,
  verifyNotice,
  writeSigningKeyFiles,
} from '../src/index.js';

const pair = generateSigningKeyPair('test-2026');
const key = loadSigningKey(pair.privateKeyPem, pair.keyId);
const trusted = new Map([[pair.keyId, pair.publicKeyPem]]);
const now = new Date('2026-11-21T12:00:00.000Z');

function unsigned(): Omit<Notice, 'signature' | 'keyId'> {
  return {
    noticeId: '6f1c2a44-9d0b-4c8e-9a51-2f3b4c5d6e7f',
    campaignId: '0b7e2d11-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    type: 'update',
    update: {
      id: 'ecu-gateway',
      version: '4.2.0',
      url: 'https://updates.example.com/ecu-gateway/4.2.0.bin',
      sha256: 'a'.repeat(64),
      size: 1_048_576,
    },
    priority: 5,
    issuedAt: '2026-11-21T11:00:00.000Z',
    expiresAt: '2026-11-28T11:00:00.000Z',
  };
}

test('a signed notice verifies with the matching public key', () => {
  const notice = signNotice(unsigned(), key);
  assert.equal(notice.keyId, 'test-2026');
  assert.match(notice.signature, /^[A-Za-z0-9_-]{86}$/);
  const result = verifyNotice(JSON.parse(JSON.stringify(notice)), trusted, now);
  assert.deepEqual(result, { ok: true, notice });
});

test('changing any signed field breaks the signature', () => {
  const notice = signNotice(unsigned(), key);
  const tampered: Notice[] = [
    { ...notice, priority: 6 },
    { ...notice, update: { ...notice.update, url: 'https://evil.example.com/x.bin' } },
    { ...notice, type: 'cancel' },
    { ...notice, expiresAt: '2027-11-28T11:00:00.000Z' },
  ];
  for (const t of tampered) {
    assert.deepEqual(verifyNotice(t, trusted, now), { ok: false, reason: 'bad-signature' });
  }
});

test('a notice signed by another key with the same id fails', () => {
  const other = generateSigningKeyPair('test-2026');
  const forged = signNotice(unsigned(), loadSigningKey(other.privateKeyPem, other.keyId));
  assert.deepEqual(verifyNotice(forged, trusted, now), { ok: false, reason: 'bad-signature' });
});

test('an unknown key id is reported as such', () => {
  const other = generateSigningKeyPair('other-key');
  const notice = signNotice(unsigned(), loadSigningKey(other.privateKeyPem, other.keyId));
  assert.deepEqual(verifyNotice(notice, trusted, now), { ok: false, reason: 'unknown-key' });
});

test('an expired notice is refused even with a valid signature', () => {
  const notice = signNotice(unsigned(), key);
  assert.deepEqual(verifyNotice(notice, trusted, new Date('2026-11-28T11:00:00.000Z')), {
    ok: false,
    reason: 'expired',
  });
});

test('malformed input is refused before any key lookup', () => {
  const notice = signNotice(unsigned(), key);
  for (const input of [
    null,
    'notice',
    {},
    { ...notice, extra: 1 },
    { ...notice, update: { ...notice.update, sha256: 'xyz' } },
    { ...notice, noticeId: 'not-a-uuid' },
    { ...notice, signature: 'has spaces' },
  ]) {
    assert.deepEqual(verifyNotice(input, trusted, now), { ok: false, reason: 'malformed' });
  }
});

test('canonical form does not depend on key order', () => {
  const a = canonicalize({ b: 1, a: { d: [1, 'x', null], c: true } });
  const b = canonicalize({ a: { c: true, d: [1, 'x', null] }, b: 1 });
  assert.equal(a, b);
  assert.equal(a, '{"a":{"c":true,"d":[1,"x",null]},"b":1}');
  const reordered = Object.fromEntries(
    Object.entries(signNotice(unsigned(), key)).reverse(),
  ) as Notice;
  assert.equal(verifyNotice(reordered, trusted, now).ok, true);
});

test('canonicalize rejects values JSON cannot carry faithfully', () => {
  assert.throws(() => canonicalize({ a: Number.NaN }), TypeError);
  assert.throws(() => canonicalize([Infinity]), TypeError);
  assert.throws(() => canonicalize([undefined]), TypeError);
  assert.throws(() => canonicalize({ a: 1n }), TypeError);
  assert.throws(() => canonicalize(new Date()), TypeError);
  assert.equal(canonicalize({ a: undefined, b: 'é\n' }), '{"b":"é\\n"}');
});

test('key files are written as PEM and load back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadcast-signing-'));
  try {
    const files = await writeSigningKeyFiles(join(dir, 'keys'), 'dev-1');
    const pem = await readFile(files.privateKeyFile, 'utf8');
    assert.match(pem, /BEGIN PRIVATE KEY/);
    assert.equal((await stat(files.privateKeyFile)).mode & 0o777, 0o600);
    const loaded = loadSigningKey(pem, 'dev-1');
    const notice = signNotice(unsigned(), loaded);
    const pub = await readFile(files.publicKeyFile, 'utf8');
    assert.equal(verifyNotice(notice, new Map([['dev-1', pub]]), now).ok, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('signing on the thread pool gives the same verifiable notice', async () => {
  const { signNoticeAsync } = await import('../src/index.js');
  const notice = await signNoticeAsync(unsigned(), key);
  assert.deepEqual(verifyNotice(notice, trusted, now), { ok: true, notice });
  assert.equal(
    notice.signature,
    signNotice(unsigned(), key).signature,
    'Ed25519 signatures are deterministic',
  );
});

test('the notice fast path writes exactly the canonical form', async () => {
  const { canonicalNotice } = await import('../src/notice-canonical.js');
  const samples = [
    { ...unsigned(), keyId: 'k' },
    {
      ...unsigned(),
      keyId: 'k"\\\u2028',
      priority: -3,
      update: { ...unsigned().update, url: 'https://x/é?a="b"', size: 0 },
    },
  ];
  for (const n of samples) assert.equal(canonicalNotice(n), canonicalize(n));
  const extra = { ...unsigned(), keyId: 'k', extra: true } as unknown as Parameters<
    typeof canonicalNotice
  >[0];
  assert.equal(canonicalNotice(extra), canonicalize(extra), 'other shapes take the general path');
});
