import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyNoticePayload, type VerifyOptions, type VerifyResult } from '../src/index.js';
import { legacyNotice, now, testKey, trust, vehicle } from './fixtures.js';

const old = testKey('platform-2025');
const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  vehicleId: vehicle(7),
  trustedKeys: trust(old),
  now,
  ...extra,
});
const reason = (r: VerifyResult) => (r.ok ? 'ok' : r.reason);
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

test('the legacy format is refused unless its key is marked legacy', () => {
  const notice = legacyNotice(old.key);
  assert.equal(reason(verifyNoticePayload(bytes(notice), options())), 'legacy-format');
  const accepted = verifyNoticePayload(
    bytes(notice),
    options({ legacyKeyIds: new Set(['platform-2025']) }),
  );
  assert.ok(accepted.ok);
  assert.equal(accepted.format, 'legacy');
  assert.equal(accepted.keyId, 'platform-2025');
  // The format does not name a vehicle: it is taken to be for the one whose topic it reached.
  assert.equal(accepted.notice.vehicleId, vehicle(7));
  assert.equal(accepted.notice.noticeId, notice.noticeId);
  assert.equal('signature' in accepted.notice || 'keyId' in accepted.notice, false);
});

test('a legacy notice is still checked for its key, its signature and its expiry', () => {
  const legacy = options({ legacyKeyIds: new Set(['platform-2025', 'stranger']) });
  const stranger = testKey('stranger');
  assert.equal(
    reason(verifyNoticePayload(bytes(legacyNotice(stranger.key)), legacy)),
    'unknown-key',
  );
  const tampered = { ...legacyNotice(old.key), priority: 99 };
  assert.equal(reason(verifyNoticePayload(bytes(tampered), legacy)), 'bad-signature');
  const expired = legacyNotice(old.key, { expiresAt: '2026-11-21T12:00:00.000Z' });
  assert.equal(reason(verifyNoticePayload(bytes(expired), legacy)), 'expired');
  const extra = { ...legacyNotice(old.key), vehicleId: vehicle(7) };
  assert.equal(reason(verifyNoticePayload(bytes(extra), legacy)), 'malformed');
});
