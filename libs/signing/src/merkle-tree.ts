import { hash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: SHA-256, leaves
 * hashed as SHA-256(0x00 || leaf), interior nodes as SHA-256(0x01 || left || right). The
 * distinct prefixes keep a leaf from ever being taken for an interior node (a second
 * preimage). A tree of any size is the left-to-right pairing of each level, an unpaired last
 * node moving up unchanged; that is the same tree as the RFC's recursive definition.
 */
export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;

/** SHA-256 of a leaf already preceded by `LEAF_PREFIX`, as the bridge keeps it. */
export function hashPrefixedLeaf(prefixedLeaf: Uint8Array): Buffer {
  if (prefixedLeaf[0] !== LEAF_PREFIX) throw new Error('leaf lacks its 0x00 prefix');
  return hash('sha256', prefixedLeaf, 'buffer');
}

export function leafHash(leaf: Uint8Array): Buffer {
  const prefixed = Buffer.allocUnsafe(leaf.length + 1);
  prefixed[0] = LEAF_PREFIX;
  prefixed.set(leaf, 1);
  return hash('sha256', prefixed, 'buffer');
}

const node = Buffer.alloc(65);

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  node[0] = NODE_PREFIX;
  node.set(left, 1);
  node.set(right, 33);
  return hash('sha256', node, 'buffer');
}

/** Every level of a tree, leaves first, root last. */
export class MerkleTree {
  readonly levels: Buffer[][];

  constructor(leafHashes: readonly Buffer[]) {
    if (leafHashes.length === 0) throw new Error('a Merkle tree needs at least one leaf');
    const levels: Buffer[][] = [[...leafHashes]];
    for (let level = levels[0]!; level.length > 1;) {
      const up: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) {
        up.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
      }
      levels.push(up);
      level = up;
    }
    this.levels = levels;
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  get root(): Buffer {
    return this.levels.at(-1)![0]!;
  }

  /**
   * The audit path of a leaf: as positions `[level, index]` of its siblings, bottom up, so a
   * caller can encode each node once and reuse it for every path it appears in.
   */
  pathPositions(index: number): Array<[number, number]> {
    const positions: Array<[number, number]> = [];
    for (let level = 0; level < this.levels.length - 1; level += 1) {
      const sibling = index ^ 1;
      if (sibling < this.levels[level]!.length) positions.push([level, sibling]);
      index >>>= 1;
    }
    return positions;
  }

  path(index: number): Buffer[] {
    return this.pathPositions(index).map(([level, i]) => this.levels[level]![i]!);
  }
}

/** How many hashes the audit path of leaf `index` in a tree of `size` leaves holds. */
export function auditPathLength(index: number, size: number): number {
  let length = 0;
  for (let fn = index, sn = size - 1; sn > 0; fn = Math.floor(fn / 2), sn = Math.floor(sn / 2)) {
    if (fn % 2 === 1 || fn < sn) length += 1;
  }
  return length;
}

/**
 * The root an audit path leads to (RFC 9162 section 2.1.3.2), or undefined when the path
 * does not fit the leaf's position in a tree of that size (index out of range, too few or
 * too many hashes).
 */
export function rootFromPath(
  index: number,
  size: number,
  leaf: Buffer,
  path: readonly Uint8Array[],
): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return undefined;
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}
