import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalize, noticeLeaf } from '../src/index.js';
import { sampleNotice } from './fixtures.js';

test('canonical form does not depend on key order', () => {
  const a = canonicalize({ b: 1, a: { d: [1, 'x', null], c: true } });
  const b = canonicalize({ a: { c: true, d: [1, 'x', null] }, b: 1 });
  assert.equal(a, b);
  assert.equal(a, '{"a":{"c":true,"d":[1,"x",null]},"b":1}');
});

test('canonicalize rejects values JSON cannot carry faithfully', () => {
  assert.throws(() => canonicalize({ a: Number.NaN }), TypeError);
  assert.throws(() => canonicalize([Infinity]), TypeError);
  assert.throws(() => canonicalize([undefined]), TypeError);
  assert.throws(() => canonicalize({ a: 1n }), TypeError);
  assert.throws(() => canonicalize(new Date()), TypeError);
  assert.equal(canonicalize({ a: undefined, b: 'é\n' }), '{"b":"é\\n"}');
});

test('the leaf of a notice is exactly its canonical JSON, whatever its strings hold', () => {
  const samples = [
    sampleNotice(0),
    sampleNotice(1, {
      priority: -3,
      vehicleId: 'V.1:a-b_c',
      update: {
        id: 'k"\\\u2028\u0001',
        version: '1.0-ß',
        url: 'https://x/é?a="b"&c=\ud83d\ude97',
        sha256: 'f'.repeat(64),
        size: 0,
      },
    }),
    sampleNotice(2, {
      type: 'cancel',
      update: { ...sampleNotice(2).update, url: 'http://lone-\ud800' },
    }),
  ];
  for (const n of samples) assert.equal(noticeLeaf(n), canonicalize(n));
  // The leaf keeps only the notice's own fields, in their canonical order.
  const extra = { ...sampleNotice(3), extra: true };
  assert.equal(noticeLeaf(extra), canonicalize(sampleNotice(3)));
  // Fields shared across a batch are encoded once; a changed value is encoded again.
  const [first, second] = [sampleNotice(4), sampleNotice(4, { campaignId: 'c'.repeat(8) })];
  assert.equal(noticeLeaf(first), canonicalize(first));
  assert.equal(noticeLeaf(second), canonicalize(second));
});
