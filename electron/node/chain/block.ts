/**
 * Blocks: header, body, commit, and the hashes that tie them together.
 *
 * The block id is blake2b-256 of the canonical header. The header commits to its body through
 * txRoot (a binary Merkle tree over transaction hashes), lastCommitHash and evidenceHash, and to
 * the state after the block through stateRoot (post-state, Ethereum-style, so a block whose
 * state root disagrees is rejected at once). `lastCommit` carries the precommit signatures of the
 * validators over the *previous* block id, as in CometBFT: block H proves H-1 final. The commit
 * of the newest block travels beside it (the node's "seen commit") until block H+1 carries it.
 */
import type { DuplicateVoteEvidence } from '../consensus/evidence.ts';
import {
  encodeCanonical,
  encodeCommit,
  encodeHeader,
  encodeSignedTx,
  evidenceArray,
  voteSignBytes,
} from './codec.ts';
import { hash256, signMessage, toHex, ZERO_HASH, type Hex } from './crypto.ts';
import type { SignedTx } from './tx.ts';
import { merkleRoot as treeRoot } from './merkle.ts';

export const BLOCK_VERSION = 1;
/** Largest encoded block, in bytes, and most transactions in one block. */
export const MAX_BLOCK_BYTES = 4 * 1024 * 1024;
export const MAX_BLOCK_TXS = 10_000;
/** Most pieces of evidence in one block (each ~330 bytes). */
export const MAX_BLOCK_EVIDENCE = 16;

export interface BlockHeader {
  chainId: string;
  height: number;
  /** Milliseconds since the Unix epoch; strictly increasing. */
  time: number;
  prevHash: Hex;
  txRoot: Hex;
  stateRoot: Hex;
  /** Consensus key of the validator that proposed the block. */
  proposer: Hex;
  /** Hash of `lastCommit` (ZERO_HASH when it is null, at height 1). */
  lastCommitHash: Hex;
  /** Hash of the evidence list (proofs of double signing, validators.ts). */
  evidenceHash: Hex;
}

export interface CommitSig {
  /** Consensus key of the validator. */
  validator: Hex;
  /** ed25519 signature over voteSignBytes(chainId, height, round, blockHash). */
  signature: Hex;
}

export interface Commit {
  height: number;
  round: number;
  blockHash: Hex;
  /** Sorted by validator key, one per validator. */
  signatures: CommitSig[];
}

/**
 * Proof that a validator signed two different votes of one type in one round (two signed
 * prevotes or precommits, consensus/evidence.ts); applying it slashes the validator (validators.ts).
 */
export type Evidence = DuplicateVoteEvidence;

export interface Block {
  header: BlockHeader;
  txs: SignedTx[];
  lastCommit: Commit | null;
  evidence: Evidence[];
}

export function blockHash(header: BlockHeader): Hex {
  return toHex(hash256(encodeHeader(header)));
}

/**
 * The transaction root: the chain's Merkle tree (merkle.ts) over the transactions' hashes; the
 * empty tree is H("") here, as it always was in block headers.
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Hex {
  return leaves.length === 0 ? toHex(hash256(new Uint8Array(0))) : treeRoot(leaves);
}

export function txRootOf(txs: readonly SignedTx[]): Hex {
  return merkleRoot(txs.map((tx) => hash256(encodeSignedTx(tx))));
}

export function commitHash(commit: Commit | null): Hex {
  return commit === null ? ZERO_HASH : toHex(hash256(encodeCommit(commit)));
}

/** H(CBOR[evidence, ...]) in the block's own layout (codec.ts); H(CBOR[]) when empty. */
export function evidenceHashOf(evidence: readonly Evidence[]): Hex {
  return toHex(hash256(encodeCanonical(evidence.map(evidenceArray))));
}

/** A single validator's commit over `hash` (the local network; consensus builds larger ones). */
export function signCommit(
  chainId: string,
  height: number,
  hash: Hex,
  validatorSecret: Uint8Array,
  validatorKey: Hex,
): Commit {
  const signature = toHex(signMessage(validatorSecret, voteSignBytes(chainId, height, 0, hash)));
  return {
    height,
    round: 0,
    blockHash: hash,
    signatures: [{ validator: validatorKey, signature }],
  };
}
