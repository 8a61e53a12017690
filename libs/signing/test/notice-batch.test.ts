import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  auditPathLength,
  signNoticeBatch,
  signNoticeBatchAsync,
  verifyNoticePayload,
  type VerifyResult,
} from '../src/index.js';
import { batchOf, join, now, sampleNotice, split, testKey, trust, vehicle } from './fixtures.js';

const platform = testKey('platform-2026');
const trustedKeys = trust(platform);

function check(payload: Buffer, vehicleId: string, keys = trustedKeys): VerifyResult {
  return verifyNoticePayload(payload, { vehicleId, trustedKeys: keys, now });
}

function reason(result: VerifyResult): string {
  return result.ok ? 'ok' : result.reason;
}

/** The same bytes with one bit flipped, base64url again. */
function flipped(base64url: string): string {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[bytes.length >> 1]! ^= 0x01;
  return bytes.toString('base64url');
}

test('every notice of a batch verifies on its own, for its own vehicle', () => {
  for (const size of [1, 2, 3, 7, 33, 500]) {
    const notices = batchOf(size);
    const payloads = signNoticeBatch(notices, platform.key);
    assert.equal(payloads.length, size);
    payloads.forEach((payload, i) => {
      const { proof } = split(payload);
      assert.equal(proof.size, size);
      assert.equal(proof.index, i);
      assert.equal((proof.path as string[]).length, auditPathLength(i, size));
      assert.deepEqual(check(payload, vehicle(i)), {
        ok: true,
        notice: notices[i],
        keyId: 'platform-2026',
        format: 'batch',
      });
    });
  }
});

test('signing on the thread pool gives the same payloads', async () => {
  const notices = batchOf(9);
  assert.deepEqual(
    await signNoticeBatchAsync(notices, platform.key),
    signNoticeBatch(notices, platform.key),
  );
});

test("another vehicle's notice is refused as wrong-vehicle, and a leaf moved to another proof fails its path", () => {
  const payloads = signNoticeBatch(batchOf(4), platform.key);
  assert.equal(
    reason(check(payloads[0]!, vehicle(1))),
    'wrong-vehicle',
    'replayed to another vehicle',
  );
  assert.equal(reason(check(payloads[1]!, vehicle(0))), 'wrong-vehicle', 'swapped the other way');
  const [a, b] = [split(payloads[0]!), split(payloads[1]!)];
  assert.equal(
    reason(check(join(b.leaf, a.proof), vehicle(1))),
    'bad-path',
    "1's leaf under 0's proof",
  );
  // Re-labelling the leaf with the receiver's id is a change to the signed leaf.
  const relabelled = a.leaf.replace(vehicle(0), vehicle(1));
  assert.equal(reason(check(join(relabelled, a.proof), vehicle(1))), 'bad-path');
});

test('a change at any position of the audit path is refused as bad-path', () => {
  for (const [size, index] of [
    [7, 2],
    [7, 6],
    [500, 123],
    [500, 499],
  ] as const) {
    const payload = signNoticeBatch(batchOf(size), platform.key)[index]!;
    const { leaf, proof } = split(payload);
    const path = proof.path as string[];
    assert.ok(path.length > 0);
    path.forEach((hash, position) => {
      const tampered = path.map((h, p) => (p === position ? flipped(h) : h));
      assert.equal(
        reason(check(join(leaf, { ...proof, path: tampered }), vehicle(index))),
        'bad-path',
        `batch ${size}, leaf ${index}, position ${position}`,
      );
      assert.notEqual(hash, tampered[position]);
    });
    const reversed = [...path].reverse();
    if (path.length > 1) {
      assert.equal(
        reason(check(join(leaf, { ...proof, path: reversed }), vehicle(index))),
        'bad-path',
      );
    }
  }
});

test('a change to any field of the leaf is refused as bad-path', () => {
  const notice = sampleNotice(3);
  const payload = signNoticeBatch([sampleNotice(2), notice, sampleNotice(4)], platform.key)[1]!;
  const { leaf, proof } = split(payload);
  const changes: Array<[string, string]> = [
    ['"priority":5', '"priority":9'],
    ['"type":"update"', '"type":"cancel"'],
    ['4.2.0.bin', '4.2.1.bin'],
    ['"version":"4.2.0"', '"version":"9.9.9"'],
    ['"size":1048576', '"size":1048577'],
    ['"sha256":"aaaa', '"sha256":"baaa'],
    ['"id":"ecu-gateway"', '"id":"ecu-brakes"'],
    ['2026-11-28T11:00', '2027-11-28T11:00'],
    ['2026-11-21T11:00', '2026-11-21T10:00'],
    [notice.noticeId.slice(0, 8), 'ffffffff'],
    [notice.campaignId.slice(0, 8), 'ffffffff'],
    [`"${vehicle(3)}"`, `"${vehicle(3).replace('VIN', 'VIX')}"`],
  ];
  for (const [from, to] of changes) {
    const tampered = leaf.replace(from, to);
    assert.notEqual(tampered, leaf, from);
    const vehicleId = from.startsWith('"VIN') ? vehicle(3).replace('VIN', 'VIX') : vehicle(3);
    assert.equal(reason(check(join(tampered, proof), vehicleId)), 'bad-path', from);
  }
  // The same notice written with other whitespace is other bytes, hence another leaf.
  const spaced = JSON.stringify(JSON.parse(leaf), null, 1);
  assert.equal(reason(check(join(spaced, proof), vehicle(3))), 'bad-path');
});

test('an index or an audit path that does not fit the batch size is refused as bad-batch', () => {
  const payload = signNoticeBatch(batchOf(5), platform.key)[2]!;
  const { leaf, proof } = split(payload);
  const path = proof.path as string[];
  const variants: Array<[string, Record<string, unknown>]> = [
    ['one hash short', { ...proof, path: path.slice(1) }],
    ['one hash too many', { ...proof, path: [...path, path[0]] }],
    ['index past the end', { ...proof, index: 5 }],
    ['a size whose paths are longer', { ...proof, size: 9 }],
    ['a size whose paths are shorter', { ...proof, size: 3, index: 2 }],
  ];
  for (const [label, tampered] of variants) {
    assert.equal(reason(check(join(leaf, tampered), vehicle(2))), 'bad-batch', label);
  }
});

test('a batch size that fits the path but was not signed fails the signature', () => {
  // Leaf 0 of a batch of 3 and of a batch of 4 have the same path length and the same root.
  const payload = signNoticeBatch(batchOf(3), platform.key)[0]!;
  const { leaf, proof } = split(payload);
  assert.equal(auditPathLength(0, 4), auditPathLength(0, 3));
  assert.equal(reason(check(join(leaf, { ...proof, size: 4 }), vehicle(0))), 'bad-signature');
});

test('roots signed by an untrusted key, or by another key under a trusted id, are refused', () => {
  const intruder = testKey('intruder');
  const forged = signNoticeBatch(batchOf(3), intruder.key)[1]!;
  assert.equal(reason(check(forged, vehicle(1))), 'unknown-key');

  const impostor = testKey('platform-2026');
  const relabelled = signNoticeBatch(batchOf(3), impostor.key)[1]!;
  assert.equal(reason(check(relabelled, vehicle(1))), 'bad-signature');

  const { leaf, proof } = split(signNoticeBatch(batchOf(3), platform.key)[1]!);
  const signature = flipped(proof.signature as string);
  assert.equal(reason(check(join(leaf, { ...proof, signature }), vehicle(1))), 'bad-signature');
  const root = flipped(proof.root as string);
  assert.equal(reason(check(join(leaf, { ...proof, root }), vehicle(1))), 'bad-path');
  const renamed = { ...proof, keyId: 'platform-2027' };
  const both = trust(platform, { ...testKey('platform-2027') });
  assert.equal(reason(check(join(leaf, renamed), vehicle(1), both)), 'bad-signature');
});

test('an expired notice is refused after the vehicle check', () => {
  const payload = signNoticeBatch(
    [sampleNotice(0, { expiresAt: '2026-11-21T12:00:00.000Z' })],
    platform.key,
  )[0]!;
  assert.equal(reason(check(payload, vehicle(0))), 'expired');
  assert.equal(reason(check(payload, vehicle(1))), 'wrong-vehicle');
  assert.equal(
    reason(
      verifyNoticePayload(payload, {
        vehicleId: vehicle(0),
        trustedKeys,
        now: new Date('2026-11-21T11:59:59.999Z'),
      }),
    ),
    'ok',
  );
});

test('a key rotation during a campaign: each key verifies while it is trusted', () => {
  const next = testKey('platform-2027');
  const notices = batchOf(6);
  const before = signNoticeBatch(notices.slice(0, 3), platform.key);
  const after = signNoticeBatch(notices.slice(3), next.key);
  const results = (keys: Map<string, string>) => [
    ...before.map((p, i) => reason(check(p, vehicle(i), keys))),
    ...after.map((p, i) => reason(check(p, vehicle(i + 3), keys))),
  ];
  const six = (a: string, b: string) => [a, a, a, b, b, b];
  assert.deepEqual(results(trust(platform)), six('ok', 'unknown-key'), 'only the old key is known');
  assert.deepEqual(results(trust(platform, next)), six('ok', 'ok'), 'both during the rotation');
  assert.deepEqual(results(trust(next)), six('unknown-key', 'ok'), 'the old key withdrawn');
});

test('payloads that are not exactly the notice layout are refused as malformed', () => {
  const payload = signNoticeBatch(batchOf(2), platform.key)[0]!;
  const text = payload.toString('utf8');
  const { leaf, proof } = split(payload);
  const variants: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['not JSON', Buffer.from('notice')],
    ['whitespace after the brace', Buffer.from(text.replace('{"notice":', '{ "notice":'))],
    ['proof first', Buffer.from(`{"proof":${JSON.stringify(proof)},"notice":${leaf}}`)],
    ['trailing bytes', Buffer.from(`${text}\n`)],
    ['no proof', Buffer.from(`{"notice":${leaf}}`)],
    ['two proofs', Buffer.from(text.replace(/}$/, `,"proof":${JSON.stringify(proof)}}`))],
    ['an extra proof member', join(leaf, { ...proof, note: 'x' })],
    ['an extra leaf member', join(leaf.replace(/}$/, ',"note":"x"}'), proof)],
    ['a padded root', join(leaf, { ...proof, root: `${proof.root as string}=` })],
    [
      'another spelling of the root',
      join(leaf, {
        ...proof,
        root: (proof.root as string).replace(/.$/, (c) => String.fromCharCode(c.charCodeAt(0) + 1)),
      }),
    ],
    [
      'invalid UTF-8 in the leaf',
      Buffer.concat([Buffer.from('{"notice":'), Buffer.from([0xff]), Buffer.from(text.slice(10))]),
    ],
    [
      'a byte-order mark before the leaf',
      Buffer.concat([
        Buffer.from('{"notice":'),
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(text.slice(10)),
      ]),
    ],
    ['an impossible date', join(leaf.replace('2026-11-28', '2026-13-28'), proof)],
    ['33 path hashes', join(leaf, { ...proof, path: Array(33).fill(proof.root) })],
    ['a batch larger than 32 bits', join(leaf, { ...proof, size: 2 ** 32 })],
    ['a negative index', join(leaf, { ...proof, index: -1 })],
    ['a fractional index', join(leaf, { ...proof, index: 0.5 })],
    ['a key id a statement cannot carry', join(leaf, { ...proof, keyId: 'k'.repeat(129) })],
  ];
  for (const [label, variant] of variants) {
    assert.equal(reason(check(variant, vehicle(0))), 'malformed', label);
  }
});

test('a refusal names the notice it claims to be, for the rejected ack', () => {
  const notice = sampleNotice(0);
  const payload = signNoticeBatch([notice], platform.key)[0]!;
  assert.deepEqual(check(payload, vehicle(1)), {
    ok: false,
    reason: 'wrong-vehicle',
    noticeId: notice.noticeId,
    campaignId: notice.campaignId,
  });
  assert.deepEqual(check(Buffer.from('{"notice":{"noticeId":"x"},"proof":{}}'), vehicle(0)), {
    ok: false,
    reason: 'malformed',
  });
});

test('signing refuses what it cannot encode faithfully', () => {
  assert.throws(() => signNoticeBatch([], platform.key), /at least one notice/);
  assert.throws(
    () => signNoticeBatch([sampleNotice(0, { priority: 1.5 })], platform.key),
    /priority/,
  );
  assert.throws(
    () => signNoticeBatch([sampleNotice(0, { vehicleId: undefined as never })], platform.key),
    /vehicleId/,
  );
});
