/**
 * The Merkle tree over a validator's interaction log: each tempo the validator commits the root
 * (and the count) of the epoch's log on chain, and later proves any one interaction against it.
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
 *   hash, so a proof can sometimes claim more leaves without moving or forging any entry). The
 *   validator therefore commits (root, count) together, and an auditor compares
 *   `proof.leafCount` with the committed count.
 *
 * The leaf of one interaction is blake2b-256 of the canonical CBOR of
 * [taskId(b32), minerHotkey(b32), answerHash(b32), result(text), scoreMicro(uint 0..1,000,000)].
 */
import { encodeCanonical } from '../chain/codec.ts';
import { fromHex, hash256, isHex, toHex, ZERO_HASH, type Hex } from '../chain/crypto.ts';
import { NoesisError } from '../errors.ts';
import { INTERACTION_RESULTS, type InteractionResult } from './scoring.ts';

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

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function leafHash(leaf: Uint8Array): Uint8Array {
  return hash256(concat(LEAF_PREFIX, leaf));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash256(concat(NODE_PREFIX, left, right));
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

/** The fields of one interaction that its leaf commits to. */
export interface InteractionLeafInput {
  taskId: Hex;
  minerHotkey: Hex;
  answerHash: Hex;
  result: InteractionResult;
  /** The task score in [0, 1]; the leaf carries it in millionths, so no float is hashed. */
  score: number;
}

export function interactionLeaf(entry: InteractionLeafInput): Uint8Array {
  for (const field of ['taskId', 'minerHotkey', 'answerHash'] as const) {
    if (!isHex(entry[field], 32)) {
      throw new NoesisError(MerkleErrorCode.BAD_INPUT, `${field} must be 32-byte hex`, { field });
    }
  }
  if (!INTERACTION_RESULTS.includes(entry.result)) {
    throw new NoesisError(MerkleErrorCode.BAD_INPUT, 'unknown result', { field: 'result' });
  }
  const s = entry.score;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 1) {
    throw new NoesisError(MerkleErrorCode.BAD_INPUT, 'a score must be in [0, 1]', {
      field: 'score',
    });
  }
  return hash256(
    encodeCanonical([
      fromHex(entry.taskId),
      fromHex(entry.minerHotkey),
      fromHex(entry.answerHash),
      entry.result,
      Math.round(s * 1_000_000),
    ]),
  );
}
