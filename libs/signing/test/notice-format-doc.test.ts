import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import type { Notice } from '@roadcast/contracts';
import {
  MerkleTree,
  batchStatement,
  leafHash,
  noticeLeaf,
  signNoticeBatch,
  verifyNoticePayload,
  type SigningKey,
} from '../src/index.js';
import { join, split } from './fixtures.js';

/** The named examples of the vehicle teams' page: fenced blocks such as ```hex root. */
const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/notice-format.md'), 'utf8');
const blocks = new Map(
  [...doc.matchAll(/^```\w+ ([\w-]+)\n([\s\S]*?)\n```$/gm)].map((m) => [m[1]!, m[2]!]),
);
const block = (name: string): string => {
  const text = blocks.get(name);
  assert.ok(text !== undefined, `the page shows ${name}`);
  return text;
};
const hex = (name: string): Buffer => Buffer.from(block(name).replace(/\s+/g, ''), 'hex');

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const privateKey = createPrivateKey({
  key: Buffer.concat([PKCS8_ED25519, hex('private-seed')]),
  format: 'der',
  type: 'pkcs8',
});
const key: SigningKey = {
  keyId: 'example-2026',
  privateKey,
  publicKey: createPublicKey(privateKey),
};
const notices = JSON.parse(block('notices')) as Notice[];
const now = new Date('2026-11-21T12:00:00.000Z');

test("the page's public key belongs to its private seed", () => {
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  assert.deepEqual(spki.subarray(-32), hex('public-key'));
});

test("the page's leaves, hashes, root, statement and signature are what the platform computes", () => {
  const leaves = notices.map(noticeLeaf);
  leaves.forEach((leaf, i) => assert.equal(leaf, block(`leaf-${i}`), `leaf ${i}`));
  const hashes = leaves.map((leaf) => leafHash(Buffer.from(leaf, 'utf8')));
  hashes.forEach((h, i) => assert.deepEqual(h, hex(`leaf-hash-${i}`), `leaf hash ${i}`));
  const tree = new MerkleTree(hashes);
  assert.deepEqual(tree.levels[1]![0], hex('node-1-0'));
  assert.deepEqual(tree.root, hex('root'));
  const statement = batchStatement('example-2026', 3, tree.root);
  assert.deepEqual(statement, hex('statement'));
  assert.equal(statement.length, 89);
  const payloads = signNoticeBatch(notices, key);
  assert.equal(payloads[0]!.toString('utf8'), block('payload-0'));
  assert.equal(payloads[2]!.toString('utf8'), block('payload-2'));
  assert.deepEqual(
    Buffer.from(split(payloads[0]!).proof.signature as string, 'base64url'),
    hex('signature'),
  );
});

/** The changes the page's outcome table names, applied to a payload. */
const changes: Record<string, (payload: Buffer) => Buffer> = {
  none: (p) => p,
  'leaf-priority-6': (p) => Buffer.from(p.toString().replace('"priority":5', '"priority":6')),
  'leaf-vehicle-2': (p) =>
    Buffer.from(p.toString().replace('"WVWZZZ1JZXW000001"', '"WVWZZZ1JZXW000002"')),
  'swap-path': (p) => {
    const { leaf, proof } = split(p);
    return join(leaf, { ...proof, path: [...(proof.path as string[])].reverse() });
  },
  'drop-path': (p) => {
    const { leaf, proof } = split(p);
    return join(leaf, { ...proof, path: [] });
  },
  'size-4': (p) => {
    const { leaf, proof } = split(p);
    return join(leaf, { ...proof, size: 4 });
  },
  'key-other': (p) => {
    const { leaf, proof } = split(p);
    return join(leaf, { ...proof, keyId: 'other' });
  },
};

test("every outcome in the page's table is what the verifier answers", () => {
  const trustedKeys = new Map([['example-2026', key.publicKey]]);
  const lines = block('outcomes').split('\n');
  assert.ok(lines.length >= 10);
  for (const line of lines) {
    const [payload, vehicleId, change, expected] = line.split(' ') as [
      string,
      string,
      string,
      string,
    ];
    const changed = changes[change];
    assert.ok(changed, `the test knows the change ${change}`);
    const result = verifyNoticePayload(changed(Buffer.from(block(payload), 'utf8')), {
      vehicleId,
      trustedKeys,
      now,
    });
    assert.equal(result.ok ? 'ok' : result.reason, expected, line);
  }
});
