/**
 * Consensus messages (proposals, prevotes, precommits), the exact bytes a validator signs, and
 * the commit certificate a decision produces.
 *
 * Sign bytes are canonical CBOR through the chain's own encoder (chain/codec.ts), never a second
 * one. A precommit's bytes are the chain's `voteSignBytes`, so the +2/3 precommits a node
 * collects are, unchanged, the `lastCommit` the next block carries and `checkLastCommit`
 * verifies. Layouts:
 *   vote      ["noesis/vote/1", chainId, height, round, type, blockHash(b32)]   type 1 = prevote, 2 = precommit
 *   proposal  ["noesis/proposal/1", chainId, height, round, polRound | null, blockHash(b32)]
 * A nil vote carries ZERO_HASH as its block hash (nil is a value like any other for evidence).
 */
import type { Commit, CommitSig } from '../chain/block.ts';
import { encodeCanonical, voteSignBytes } from '../chain/codec.ts';
import {
  fromHex,
  isHex,
  signMessage,
  toHex,
  verifySignature,
  ZERO_HASH,
  type Hex,
} from '../chain/crypto.ts';
import { hasTwoThirds, powerOf, type ValidatorSet } from './validator-set.ts';

export type { Hex };

/** The nil block id: prevote/precommit "nothing". */
export const NIL: Hex = ZERO_HASH;

export type VoteType = 'prevote' | 'precommit';

/** The order of a validator's signatures within one round: propose < prevote < precommit. */
export type SignStep = 'propose' | 'prevote' | 'precommit';

export const STEP_ORDER: Readonly<Record<SignStep, number>> = {
  propose: 0,
  prevote: 1,
  precommit: 2,
};

export const VOTE_TYPE_CODE: Readonly<Record<VoteType, number>> = { prevote: 1, precommit: 2 };

export interface SignedVote {
  readonly type: VoteType;
  readonly height: number;
  readonly round: number;
  /** Block id voted for, or NIL. */
  readonly blockHash: Hex;
  /** Consensus key (32-byte ed25519 public key) of the voter. */
  readonly validator: Hex;
  /** ed25519 over voteSignBytesOf(chainId, vote). */
  readonly signature: Hex;
}

export interface SignedProposal {
  readonly type: 'proposal';
  readonly height: number;
  readonly round: number;
  /** Round of the polka that justifies re-proposing a value (paper's vr), or -1. */
  readonly polRound: number;
  /** Block id proposed (never NIL). */
  readonly blockHash: Hex;
  /** Consensus key of the proposer. */
  readonly proposer: Hex;
  readonly signature: Hex;
}

export type ConsensusMessage = SignedVote | SignedProposal;

/** Signing and verification, injectable so a simulator can memoize them. Defaults: chain/crypto. */
export interface ConsensusCrypto {
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export const CHAIN_CRYPTO: ConsensusCrypto = { sign: signMessage, verify: verifySignature };

export function signerOf(m: ConsensusMessage): Hex {
  return m.type === 'proposal' ? m.proposer : m.validator;
}

export function stepOf(m: ConsensusMessage): SignStep {
  return m.type === 'proposal' ? 'propose' : m.type;
}

export function voteSignBytesOf(
  chainId: string,
  type: VoteType,
  height: number,
  round: number,
  blockHash: Hex,
): Uint8Array {
  if (type === 'precommit') return voteSignBytes(chainId, height, round, blockHash);
  return encodeCanonical([
    'noesis/vote/1',
    chainId,
    height,
    round,
    VOTE_TYPE_CODE[type],
    fromHex(blockHash),
  ]);
}

export function proposalSignBytes(
  chainId: string,
  height: number,
  round: number,
  polRound: number,
  blockHash: Hex,
): Uint8Array {
  return encodeCanonical([
    'noesis/proposal/1',
    chainId,
    height,
    round,
    polRound < 0 ? null : polRound,
    fromHex(blockHash),
  ]);
}

export function signBytesOf(chainId: string, m: ConsensusMessage): Uint8Array {
  return m.type === 'proposal'
    ? proposalSignBytes(chainId, m.height, m.round, m.polRound, m.blockHash)
    : voteSignBytesOf(chainId, m.type, m.height, m.round, m.blockHash);
}

export function signVote(
  chainId: string,
  vote: Omit<SignedVote, 'signature' | 'validator'>,
  secretKey: Uint8Array,
  validator: Hex,
  crypto: ConsensusCrypto = CHAIN_CRYPTO,
): SignedVote {
  const bytes = voteSignBytesOf(chainId, vote.type, vote.height, vote.round, vote.blockHash);
  return {
    type: vote.type,
    height: vote.height,
    round: vote.round,
    blockHash: vote.blockHash,
    validator,
    signature: toHex(crypto.sign(secretKey, bytes)),
  };
}

export function signProposal(
  chainId: string,
  p: Omit<SignedProposal, 'signature' | 'proposer' | 'type'>,
  secretKey: Uint8Array,
  proposer: Hex,
  crypto: ConsensusCrypto = CHAIN_CRYPTO,
): SignedProposal {
  const bytes = proposalSignBytes(chainId, p.height, p.round, p.polRound, p.blockHash);
  return {
    type: 'proposal',
    height: p.height,
    round: p.round,
    polRound: p.polRound,
    blockHash: p.blockHash,
    proposer,
    signature: toHex(crypto.sign(secretKey, bytes)),
  };
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Shape check for a message from the network (types, ranges, hex lengths); no signature check. */
export function isWellFormed(m: unknown): m is ConsensusMessage {
  if (typeof m !== 'object' || m === null) return false;
  const x = m as Record<string, unknown>;
  if (!isUint(x.height) || !isUint(x.round) || x.height === 0) return false;
  if (!isHex(x.blockHash, 32) || !isHex(x.signature, 64)) return false;
  if (x.type === 'proposal') {
    if (x.blockHash === NIL || !isHex(x.proposer, 32)) return false;
    const pr = x.polRound;
    return typeof pr === 'number' && Number.isSafeInteger(pr) && pr >= -1 && pr < x.round;
  }
  return (x.type === 'prevote' || x.type === 'precommit') && isHex(x.validator, 32);
}

/** Signature check of a well-formed message against its signer's key. */
export function verifyMessage(
  chainId: string,
  m: ConsensusMessage,
  crypto: ConsensusCrypto = CHAIN_CRYPTO,
): boolean {
  return crypto.verify(fromHex(signerOf(m)), signBytesOf(chainId, m), fromHex(m.signature));
}

/** A commit certificate from precommits for one block in one round, sorted by validator key. */
export function buildCommit(
  height: number,
  round: number,
  blockHash: Hex,
  precommits: Iterable<SignedVote>,
): Commit {
  const signatures: CommitSig[] = [];
  for (const v of precommits) {
    if (v.type !== 'precommit' || v.height !== height || v.round !== round) continue;
    if (v.blockHash !== blockHash) continue;
    signatures.push({ validator: v.validator, signature: v.signature });
  }
  signatures.sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
  return { height, round, blockHash, signatures };
}

/** The precommit votes a commit is made of (for feeding a synced commit to the machine). */
export function commitVotes(commit: Commit): SignedVote[] {
  return commit.signatures.map((s) => ({
    type: 'precommit',
    height: commit.height,
    round: commit.round,
    blockHash: commit.blockHash,
    validator: s.validator,
    signature: s.signature,
  }));
}

/**
 * Checks a commit certificate against the validator set of its height: sorted unique signers,
 * all members, valid precommit signatures, more than 2/3 of the power. For sync and for tests;
 * the chain's checkLastCommit applies the same rule to block.lastCommit.
 */
export function verifyCommit(
  chainId: string,
  commit: Commit,
  set: ValidatorSet,
  crypto: ConsensusCrypto = CHAIN_CRYPTO,
): { ok: true; power: bigint } | { ok: false; reason: string } {
  if (!isHex(commit.blockHash, 32) || commit.blockHash === NIL) {
    return { ok: false, reason: 'bad block hash' };
  }
  const bytes = voteSignBytes(chainId, commit.height, commit.round, commit.blockHash);
  let power = 0n;
  let previous = '';
  for (const s of commit.signatures) {
    if (s.validator <= previous) return { ok: false, reason: 'signatures unsorted or repeated' };
    previous = s.validator;
    const p = powerOf(set, s.validator);
    if (p === 0n) return { ok: false, reason: `not a validator: ${s.validator}` };
    if (
      !isHex(s.signature, 64) ||
      !crypto.verify(fromHex(s.validator), bytes, fromHex(s.signature))
    ) {
      return { ok: false, reason: `bad signature: ${s.validator}` };
    }
    power += p;
  }
  if (!hasTwoThirds(power, set.totalPower)) return { ok: false, reason: 'short of 2/3' };
  return { ok: true, power };
}
