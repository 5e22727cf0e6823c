/**
 * Double-signing evidence: two different messages signed by one validator for the same height,
 * round and step (two votes of one type for different block ids, nil counting as an id; or two
 * proposals for different blocks). Both signatures are checked, so the evidence proves itself to
 * anyone who knows the validator set of that height. Detection happens in the consensus machine
 * at vote insertion. Duplicate votes go on chain (block.ts Evidence, encoded by chain/codec.ts):
 * the shell pools and gossips them (evidence-pool.ts), proposers include them, and the chain
 * checks and slashes (chain/validators.ts), never twice for one `evidenceKey`. Duplicate
 * proposals stay local (logged): as in CometBFT, a proposer's equivocation alone cannot fork
 * the chain, the votes that would are what is punished.
 */
import { encodeCanonical } from '../chain/codec.ts';
import { fromHex, hash256, toHex, type Hex } from '../chain/crypto.ts';
import {
  CHAIN_CRYPTO,
  isWellFormed,
  signerOf,
  stepOf,
  verifyMessage,
  type ConsensusCrypto,
  type SignedProposal,
  type SignedVote,
} from './messages.ts';
import { powerOf, type ValidatorSet } from './validator-set.ts';

export interface DuplicateVoteEvidence {
  readonly kind: 'duplicate-vote';
  /** The two votes, ordered by block hash (a < b), so one equivocation has one encoding. */
  readonly a: SignedVote;
  readonly b: SignedVote;
}

export interface DuplicateProposalEvidence {
  readonly kind: 'duplicate-proposal';
  readonly a: SignedProposal;
  readonly b: SignedProposal;
}

export type ConsensusEvidence = DuplicateVoteEvidence | DuplicateProposalEvidence;

function ordered<T extends { blockHash: Hex }>(x: T, y: T): [T, T] {
  return x.blockHash < y.blockHash ? [x, y] : [y, x];
}

/** Evidence from two votes, or null when they are not an equivocation. */
export function duplicateVoteEvidence(x: SignedVote, y: SignedVote): DuplicateVoteEvidence | null {
  if (!conflicting(x, y)) return null;
  const [a, b] = ordered(x, y);
  return { kind: 'duplicate-vote', a, b };
}

export function duplicateProposalEvidence(
  x: SignedProposal,
  y: SignedProposal,
): DuplicateProposalEvidence | null {
  if (!conflicting(x, y)) return null;
  const [a, b] = ordered(x, y);
  return { kind: 'duplicate-proposal', a, b };
}

function conflicting(x: SignedVote | SignedProposal, y: SignedVote | SignedProposal): boolean {
  return (
    x.type === y.type &&
    x.height === y.height &&
    x.round === y.round &&
    signerOf(x) === signerOf(y) &&
    x.blockHash !== y.blockHash
  );
}

/** Who misbehaved, and where. */
export function evidenceSubject(e: ConsensusEvidence): {
  validator: Hex;
  height: number;
  round: number;
  step: 'propose' | 'prevote' | 'precommit';
} {
  return { validator: signerOf(e.a), height: e.a.height, round: e.a.round, step: stepOf(e.a) };
}

/**
 * Identity for uniqueness: one per (validator, height, round, step), whichever two conflicting
 * messages prove it, so a validator is punished once per equivocation, not once per pair.
 */
export function evidenceKey(e: ConsensusEvidence): Hex {
  const s = evidenceSubject(e);
  return toHex(
    hash256(
      encodeCanonical(['noesis/evidence-key/1', fromHex(s.validator), s.height, s.round, s.step]),
    ),
  );
}

export type EvidenceVerdict =
  | { ok: true; validator: Hex; height: number; round: number; power: bigint }
  | {
      ok: false;
      reason: 'malformed' | 'not-conflicting' | 'not-validator' | 'bad-signature' | 'expired';
    };

/**
 * Verifies evidence for the chain: well-formed, truly conflicting, the signer a member of
 * `set` (the validator set of the evidence's height, validator-set.ts), both signatures valid
 * over `chainId`, and not older than `maxAgeBlocks` at `currentHeight` when those are given.
 * Uniqueness (never apply the same evidenceKey twice) is the caller's state.
 */
export function verifyEvidence(
  chainId: string,
  e: ConsensusEvidence,
  set: ValidatorSet,
  options: { currentHeight?: number; maxAgeBlocks?: number; crypto?: ConsensusCrypto } = {},
): EvidenceVerdict {
  if (typeof e !== 'object' || e === null) return { ok: false, reason: 'malformed' };
  const a: unknown = e.a;
  const b: unknown = e.b;
  if (!isWellFormed(a) || !isWellFormed(b)) return { ok: false, reason: 'malformed' };
  const kindOk =
    (e.kind === 'duplicate-vote' && a.type !== 'proposal' && b.type !== 'proposal') ||
    (e.kind === 'duplicate-proposal' && a.type === 'proposal' && b.type === 'proposal');
  if (!kindOk) return { ok: false, reason: 'malformed' };
  if (!conflicting(e.a, e.b) || !(e.a.blockHash < e.b.blockHash)) {
    return { ok: false, reason: 'not-conflicting' };
  }
  const { currentHeight, maxAgeBlocks } = options;
  if (
    currentHeight !== undefined &&
    maxAgeBlocks !== undefined &&
    currentHeight - e.a.height > maxAgeBlocks
  ) {
    return { ok: false, reason: 'expired' };
  }
  const validator = signerOf(e.a);
  const power = powerOf(set, validator);
  if (power === 0n) return { ok: false, reason: 'not-validator' };
  const crypto = options.crypto ?? CHAIN_CRYPTO;
  if (!verifyMessage(chainId, e.a, crypto) || !verifyMessage(chainId, e.b, crypto)) {
    return { ok: false, reason: 'bad-signature' };
  }
  return { ok: true, validator, height: e.a.height, round: e.a.round, power };
}
