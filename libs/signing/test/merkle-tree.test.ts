import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { MerkleTree, auditPathLength, leafHash, nodeHash, rootFromPath } from '../src/index.js';

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 9162 section 2.1.1, written from the recursive definition. */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return sha256(Buffer.from([0]), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** RFC 9162 section 2.1.3.1: the audit path of leaf m, bottom up. */
function rfcPath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length === 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k
    ? [...rfcPath(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...rfcPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

const data = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${i}`));

test('the tree, its root and every audit path are those of RFC 9162 for 1 to 70 leaves', () => {
  for (let size = 1; size <= 70; size += 1) {
    const leaves = data(size);
    const tree = new MerkleTree(leaves.map((l) => leafHash(l)));
    assert.deepEqual(tree.root, mth(leaves), `root of ${size}`);
    for (let i = 0; i < size; i += 1) {
      const path = tree.path(i);
      assert.deepEqual(path, rfcPath(i, leaves), `path ${i} of ${size}`);
      assert.equal(auditPathLength(i, size), path.length, `length of path ${i} of ${size}`);
      assert.deepEqual(rootFromPath(i, size, leafHash(leaves[i]!), path), tree.root);
    }
  }
});

test('leaves and interior nodes are hashed with different prefixes', () => {
  const [a, b] = [leafHash(Buffer.from('a')), leafHash(Buffer.from('b'))];
  assert.deepEqual(leafHash(Buffer.from('a')), sha256(Buffer.from([0x00]), Buffer.from('a')));
  assert.deepEqual(nodeHash(a, b), sha256(Buffer.from([0x01]), a, b));
  // An interior node's preimage offered as a leaf does not reproduce the node.
  assert.notDeepEqual(leafHash(Buffer.concat([a, b])), nodeHash(a, b));
  assert.notDeepEqual(leafHash(Buffer.concat([Buffer.from([0x01]), a, b])), nodeHash(a, b));
});

test('an audit path of the wrong length, or for a position outside the tree, leads nowhere', () => {
  const leaves = data(11);
  const tree = new MerkleTree(leaves.map((l) => leafHash(l)));
  const leaf = tree.levels[0]![6]!;
  const path = tree.path(6);
  assert.deepEqual(rootFromPath(6, 11, leaf, path), tree.root);
  assert.equal(rootFromPath(6, 11, leaf, path.slice(1)), undefined, 'one hash short');
  assert.equal(rootFromPath(6, 11, leaf, [...path, path[0]!]), undefined, 'one hash too many');
  assert.equal(rootFromPath(11, 11, leaf, path), undefined, 'index past the end');
  assert.equal(rootFromPath(-1, 11, leaf, path), undefined, 'negative index');
  assert.notDeepEqual(rootFromPath(7, 11, leaf, path), tree.root, 'another position');
});

test('a tree needs a leaf', () => {
  assert.throws(() => new MerkleTree([]), /at least one leaf/);
});
