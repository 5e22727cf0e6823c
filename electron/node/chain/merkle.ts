/**
 * The binary Merkle tree of the chain: a block's transaction root (block.ts) and a validator's
 * interaction log (roles/merkle.ts, committed each tempo by `commit_proof`), with proofs of one
 * leaf against a root.
 *
 *   leaf hash = blake2b-256(0x00 || leaf)
 *   node hash = blake2b-256(0x01 || left || right)
 *   empty tree root = 32 zero bytes
 *
 * - The 0x00 / 0x01 prefixes keep a leaf from ever being read as an inner node (RFC 6962 §2.1), so
 *   a proof cannot present a pair of hashes as if it were one entry.
 * - A node without a partner is promoted to the next level unchanged, not paired with a copy of
 *   itself. Bitcoin's duplication made [a, b, c] and [a, b, c, c] share a root (CVE-2012-2459):
 *   a list with a repeated entry verified against the same commitment. Promotion gives them
 *   different roots.
 * - A proof carries the leaf count, which fixes the tree's shape and so where a promoted node
 *   needs no sibling; the verifier checks that every sibling is used exactly once.
 * - The root does not commit the count (a promoted leaf hash sits where a bigger tree has a node
 *   hash, so a proof can sometimes claim more leaves without moving or forging any entry). A
 *   commitment therefore carries (root, count) together, and a verifier compares
 *   `proof.leafCount` with the committed count.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { fromHex, hash256, isHex, toHex, ZERO_HASH, type Hex } from './crypto.ts';
import { NoesisError } from '../errors.ts';

export const MerkleErrorCode = {
  /** A leaf index outside the tree, or a malformed interaction; data: { field }. */
  BAD_INPUT: 'MERKLE_BAD_INPUT',
} as const;

export interface MerkleProof {
  index: number;
  /** Sibling hashes from the leaf level up; a promoted level contributes none. */
  siblings: Hex[];
  leafCount: number;
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export function leafHash(leaf: Uint8Array): Uint8Array {
  return hash256(concatBytes(LEAF_PREFIX, leaf));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash256(concatBytes(NODE_PREFIX, left, right));
}

function nextLevel(level: Uint8Array[]): Uint8Array[] {
  const up: Uint8Array[] = [];
  for (let i = 0; i + 1 < level.length; i += 2) {
    up.push(nodeHash(level[i] as Uint8Array, level[i + 1] as Uint8Array));
  }
  if (level.length % 2 === 1) up.push(level[level.length - 1] as Uint8Array);
  return up;
}

export function merkleRoot(leaves: readonly Uint8Array[]): Hex {
  if (leaves.length === 0) return ZERO_HASH;
  let level = leaves.map(leafHash);
  while (level.length > 1) level = nextLevel(level);
  return toHex(level[0] as Uint8Array);
}

export function merkleProof(leaves: readonly Uint8Array[], index: number): MerkleProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new NoesisError(MerkleErrorCode.BAD_INPUT, 'leaf index outside the tree', {
      field: 'index',
      index,
      leafCount: leaves.length,
    });
  }
  const siblings: Hex[] = [];
  let level = leaves.map(leafHash);
  let i = index;
  while (level.length > 1) {
    const partner = i ^ 1;
    if (partner < level.length) siblings.push(toHex(level[partner] as Uint8Array));
    level = nextLevel(level);
    i >>= 1;
  }
  return { index, siblings, leafCount: leaves.length };
}

/**
 * True iff `leaf` (bytes, or hex as `InteractionLog.prove` returns it) sits at `proof.index` of a
 * `proof.leafCount`-leaf tree whose root is `root`. Never throws on malformed input: false.
 */
export function verifyMerkleProof(leaf: Uint8Array | Hex, proof: MerkleProof, root: Hex): boolean {
  if (typeof leaf === 'string') {
    if (!isHex(leaf, leaf.length / 2)) return false;
    leaf = fromHex(leaf);
  }
  if (!(leaf instanceof Uint8Array) || proof === null || typeof proof !== 'object') return false;
  const { index, siblings, leafCount } = proof;
  if (!Number.isSafeInteger(leafCount) || leafCount < 1) return false;
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafCount) return false;
  if (!Array.isArray(siblings) || !isHex(root, 32)) return false;
  let node = leafHash(leaf);
  let i = index;
  let count = leafCount;
  let used = 0;
  while (count > 1) {
    const promoted = i === count - 1 && count % 2 === 1;
    if (!promoted) {
      const sibling = siblings[used++];
      if (!isHex(sibling, 32)) return false;
      const s = fromHex(sibling);
      node = i % 2 === 0 ? nodeHash(node, s) : nodeHash(s, node);
    }
    i >>= 1;
    count = Math.ceil(count / 2);
  }
  return used === siblings.length && toHex(node) === root;
}
