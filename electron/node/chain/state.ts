/**
 * The state machine: `applyTx` and `applyBlock` map a state and an input to a new state or a
 * typed error, and never change their input (drafts over immutable data, see draft.ts). The
 * producer builds blocks with `buildBlock`, which runs the very same steps and skips failing
 * transactions instead of failing.
 *
 * Block steps: header checks (chain id, height, previous hash, time, proposer, lastCommit,
 * body hashes, size) → each piece of evidence (validators.ts: check, slash, remove) → each
 * transaction (size, chain id, signature, nonce, fee, effect) → end of block (governance
 * tallies and enactments, governance.ts; burn decay, emission, due epochs, emission.ts; the
 * validator sets advance, validators.ts) → state root must equal the header's.
 */
import {
  decodeSignedTx,
  encodeBlock,
  encodeEvidence,
  encodeSignedTx,
  txSignBytes,
  voteSignBytes,
} from './codec.ts';
import {
  blockHash,
  commitHash,
  evidenceHashOf,
  MAX_BLOCK_BYTES,
  MAX_BLOCK_EVIDENCE,
  MAX_BLOCK_TXS,
  txRootOf,
  type Block,
  type BlockHeader,
  type Commit,
  type Evidence,
} from './block.ts';
import { fromHex, verifySignature, type Hex } from './crypto.ts';
import { StateDraft } from './draft.ts';
import { endBlock } from './emission.ts';
import { ChainError, chainError, ChainErrorCode } from './errors.ts';
import { executeTx } from './execute-tx.ts';
import { governanceEndBlock } from './governance.ts';
import { stateRoot } from './state-root.ts';
import { MAX_TX_BYTES, type SignedTx } from './tx.ts';
import { advanceValidatorSets, applyEvidence, setPower, votingPower } from './validators.ts';
import { proposalKey, type ChainEvent, type ChainState } from './types.ts';

export interface ApplyOk {
  ok: true;
  state: ChainState;
  events: ChainEvent[];
}
export interface ApplyErr {
  ok: false;
  error: ChainError;
}
export type ApplyResult = ApplyOk | ApplyErr;

function asChainError(error: unknown): ChainError {
  if (error instanceof ChainError) return error;
  throw error;
}

/** Checks that need no state beyond the chain id: size, chain id, signature. */
export function checkTxStateless(chainId: string, tx: SignedTx, encodedSize?: number): void {
  const size = encodedSize ?? encodeSignedTx(tx).length;
  if (size > MAX_TX_BYTES) {
    throw chainError(ChainErrorCode.TX_TOO_LARGE, 'transaction too large', {
      size,
      max: MAX_TX_BYTES,
    });
  }
  if (tx.body.chainId !== chainId) {
    throw chainError(ChainErrorCode.WRONG_CHAIN_ID, 'transaction for another chain', {
      expected: chainId,
      actual: tx.body.chainId,
    });
  }
  const ok = verifySignature(fromHex(tx.body.signer), txSignBytes(tx.body), fromHex(tx.signature));
  if (!ok) throw chainError(ChainErrorCode.BAD_SIGNATURE, 'signature does not verify');
}

/** Decodes and checks raw transaction bytes (size first, so huge inputs are never parsed). */
export function decodeTx(chainId: string, bytes: Uint8Array): SignedTx {
  if (bytes.length > MAX_TX_BYTES) {
    throw chainError(ChainErrorCode.TX_TOO_LARGE, 'transaction too large', {
      size: bytes.length,
      max: MAX_TX_BYTES,
    });
  }
  const tx = decodeSignedTx(bytes);
  checkTxStateless(chainId, tx, bytes.length);
  return tx;
}

/**
 * One transaction against `state` as if it were in the next block (no end-of-block step).
 * Used by the mempool to check a transaction on entry and by tests.
 */
export function applyTx(
  state: ChainState,
  tx: SignedTx,
  options: { skipSignature?: boolean } = {},
): ApplyResult {
  const d = new StateDraft(state);
  try {
    if (options.skipSignature !== true) checkTxStateless(state.chainId, tx);
    executeTx(d, tx.body, state.height + 1);
  } catch (error) {
    return { ok: false, error: asChainError(error) };
  }
  return { ok: true, state: d.finish(), events: d.events };
}

export { votingPower };

/**
 * lastCommit of block `height`: the previous block's id signed by > 2/3 of the voting power of
 * the set that voted on it (`state.validatorSets.last`, the set of height − 1; not live stake).
 */
export function checkLastCommit(state: ChainState, height: number, commit: Commit | null): void {
  if (height === 1) {
    if (commit !== null) throw chainError(ChainErrorCode.BAD_COMMIT, 'block 1 has no last commit');
    return;
  }
  if (commit === null) throw chainError(ChainErrorCode.BAD_COMMIT, 'last commit missing');
  if (commit.height !== height - 1 || commit.blockHash !== state.lastBlockHash) {
    throw chainError(ChainErrorCode.BAD_COMMIT, 'last commit is for another block', {
      height: commit.height,
      blockHash: commit.blockHash,
    });
  }
  const set = state.validatorSets.last;
  const power = setPower(set);
  const total = set.totalPower;
  let signed = 0n;
  let previous = '';
  for (const sig of commit.signatures) {
    if (sig.validator <= previous) {
      throw chainError(ChainErrorCode.BAD_COMMIT, 'commit signatures unsorted or repeated');
    }
    previous = sig.validator;
    const p = power.get(sig.validator);
    if (p === undefined) {
      throw chainError(ChainErrorCode.BAD_COMMIT, 'commit signed by a non-validator', {
        validator: sig.validator,
      });
    }
    const message = voteSignBytes(state.chainId, commit.height, commit.round, commit.blockHash);
    if (!verifySignature(fromHex(sig.validator), message, fromHex(sig.signature))) {
      throw chainError(ChainErrorCode.BAD_COMMIT, 'bad commit signature', {
        validator: sig.validator,
      });
    }
    signed += p;
  }
  if (signed * 3n <= total * 2n) {
    throw chainError(ChainErrorCode.BAD_COMMIT, 'commit short of 2/3 of the voting power', {
      signed: signed.toString(),
      total: total.toString(),
    });
  }
}

function checkHeader(state: ChainState, block: Block): void {
  const h = block.header;
  if (h.chainId !== state.chainId) {
    throw chainError(ChainErrorCode.WRONG_CHAIN_ID, 'block for another chain', {
      expected: state.chainId,
      actual: h.chainId,
    });
  }
  if (h.height !== state.height + 1) {
    throw chainError(ChainErrorCode.WRONG_HEIGHT, 'not the next height', {
      expected: state.height + 1,
      actual: h.height,
    });
  }
  if (h.prevHash !== state.lastBlockHash) {
    throw chainError(ChainErrorCode.WRONG_PREV_HASH, 'prevHash is not the tip', {
      expected: state.lastBlockHash,
      actual: h.prevHash,
    });
  }
  if (h.time <= state.lastBlockTime) {
    throw chainError(ChainErrorCode.BAD_TIME, 'block time not after the previous block', {
      previous: state.lastBlockTime,
      actual: h.time,
    });
  }
  // The set of this height proposes (a validator slashed in the last block is still in it).
  if (!state.validatorSets.next.validators.some((v) => v.key === h.proposer)) {
    throw chainError(ChainErrorCode.UNKNOWN_PROPOSER, 'proposer is not a validator', {
      proposer: h.proposer,
    });
  }
  if (block.evidence.length > MAX_BLOCK_EVIDENCE) {
    throw chainError(ChainErrorCode.BLOCK_TOO_LARGE, 'too much evidence', {
      count: block.evidence.length,
      max: MAX_BLOCK_EVIDENCE,
    });
  }
  if (block.txs.length > MAX_BLOCK_TXS) {
    throw chainError(ChainErrorCode.BLOCK_TOO_LARGE, 'too many transactions', {
      count: block.txs.length,
      max: MAX_BLOCK_TXS,
    });
  }
  if (h.txRoot !== txRootOf(block.txs)) {
    throw chainError(ChainErrorCode.BAD_BODY_HASH, 'txRoot does not match the transactions');
  }
  if (h.lastCommitHash !== commitHash(block.lastCommit)) {
    throw chainError(ChainErrorCode.BAD_BODY_HASH, 'lastCommitHash does not match');
  }
  if (h.evidenceHash !== evidenceHashOf(block.evidence)) {
    throw chainError(ChainErrorCode.BAD_BODY_HASH, 'evidenceHash does not match');
  }
  checkLastCommit(state, h.height, block.lastCommit);
}

function startBlock(state: ChainState): StateDraft {
  return new StateDraft(state);
}

function finishBlock(d: StateDraft, header: Pick<BlockHeader, 'height' | 'time'>) {
  governanceEndBlock(d, header.height);
  endBlock(d, header.height);
  d.s.validatorSets = advanceValidatorSets(d.base);
  d.s.height = header.height;
  d.s.lastBlockTime = header.time;
  const pre = d.finish();
  // lastBlockHash is not part of the root (state-root.ts), so setting it afterwards keeps it.
  return { root: stateRoot(pre), finalize: (h: Hex): ChainState => ({ ...pre, lastBlockHash: h }) };
}

/**
 * Applies a block: returns the state after it, or the first error. The input is never changed.
 * `skipSignatures` is for replaying blocks this node already verified (its own log).
 */
export function applyBlock(
  state: ChainState,
  block: Block,
  options: { skipSignatures?: boolean } = {},
): ApplyResult {
  try {
    const size = encodeBlock(block).length;
    if (size > MAX_BLOCK_BYTES) {
      throw chainError(ChainErrorCode.BLOCK_TOO_LARGE, 'block too large', {
        size,
        max: MAX_BLOCK_BYTES,
      });
    }
    if (options.skipSignatures === true) {
      if (
        block.header.height !== state.height + 1 ||
        block.header.prevHash !== state.lastBlockHash
      ) {
        throw chainError(ChainErrorCode.WRONG_HEIGHT, 'block does not follow the tip');
      }
    } else {
      checkHeader(state, block);
    }
    const d = startBlock(state);
    // Evidence first (CometBFT's BeginBlock): the block's transactions see the slashed stake.
    block.evidence.forEach((e, i) => {
      try {
        applyEvidence(d, e, block.header.height, options);
      } catch (error) {
        const inner = asChainError(error);
        throw chainError(ChainErrorCode.BAD_EVIDENCE, `evidence ${i}: ${inner.message}`, {
          index: i,
          ...inner.data,
        });
      }
    });
    for (let i = 0; i < block.txs.length; i++) {
      const tx = block.txs[i] as SignedTx;
      const child = d.child();
      try {
        if (options.skipSignatures !== true) checkTxStateless(state.chainId, tx);
        executeTx(child, tx.body, block.header.height);
      } catch (error) {
        const inner = asChainError(error);
        throw chainError(ChainErrorCode.BLOCK_TX_FAILED, `transaction ${i}: ${inner.message}`, {
          index: i,
          code: inner.code,
          ...inner.data,
        });
      }
      child.commit();
    }
    const events = d.events;
    const done = finishBlock(d, block.header);
    if (done.root !== block.header.stateRoot) {
      throw chainError(ChainErrorCode.STATE_ROOT_MISMATCH, 'state root does not match', {
        expected: done.root,
        actual: block.header.stateRoot,
      });
    }
    return { ok: true, state: done.finalize(blockHash(block.header)), events };
  } catch (error) {
    return { ok: false, error: asChainError(error) };
  }
}

export interface BuildInput {
  time: number;
  proposer: Hex;
  lastCommit: Commit | null;
  txs: readonly SignedTx[];
  /** Candidate evidence (an evidence pool's); any that does not apply is left out. */
  evidence?: readonly Evidence[];
  /** Stop adding transactions at this many (the rest stay in the mempool). */
  maxTxs?: number;
}

export interface BuildResult {
  block: Block;
  hash: Hex;
  state: ChainState;
  events: ChainEvent[];
  included: SignedTx[];
  rejected: Array<{ tx: SignedTx; error: ChainError }>;
  /** Candidate evidence left out, with the reason. */
  rejectedEvidence: Array<{ evidence: Evidence; error: ChainError }>;
}

/** Builds the next block from candidate transactions, skipping those that fail. */
export function buildBlock(state: ChainState, input: BuildInput): BuildResult {
  const height = state.height + 1;
  const time = input.time > state.lastBlockTime ? input.time : state.lastBlockTime + 1;
  const d = startBlock(state);
  const evidence: Evidence[] = [];
  const rejectedEvidence: BuildResult['rejectedEvidence'] = [];
  let bytes = 0;
  for (const e of input.evidence ?? []) {
    if (evidence.length >= MAX_BLOCK_EVIDENCE) break;
    const child = d.child();
    try {
      applyEvidence(child, e, height);
    } catch (error) {
      rejectedEvidence.push({ evidence: e, error: asChainError(error) });
      continue;
    }
    child.commit();
    evidence.push(e);
    bytes += encodeEvidence(e).length;
  }
  const included: SignedTx[] = [];
  const rejected: BuildResult['rejected'] = [];
  const maxTxs = Math.min(input.maxTxs ?? MAX_BLOCK_TXS, MAX_BLOCK_TXS);
  for (const tx of input.txs) {
    if (included.length >= maxTxs) break;
    const size = encodeSignedTx(tx).length;
    if (bytes + size > MAX_BLOCK_BYTES - 4096) break;
    const child = d.child();
    try {
      checkTxStateless(state.chainId, tx, size);
      executeTx(child, tx.body, height);
    } catch (error) {
      rejected.push({ tx, error: asChainError(error) });
      continue;
    }
    child.commit();
    included.push(tx);
    bytes += size;
  }
  const events = d.events;
  const done = finishBlock(d, { height, time });
  const header: BlockHeader = {
    chainId: state.chainId,
    height,
    time,
    prevHash: state.lastBlockHash,
    txRoot: txRootOf(included),
    stateRoot: done.root,
    proposer: input.proposer,
    lastCommitHash: commitHash(input.lastCommit),
    evidenceHash: evidenceHashOf(evidence),
  };
  const block: Block = { header, txs: included, lastCommit: input.lastCommit, evidence };
  const hash = blockHash(header);
  return {
    block,
    hash,
    state: done.finalize(hash),
    events,
    included,
    rejected,
    rejectedEvidence,
  };
}

/** Total supply check: free + staked + locked + pending + deposits must equal total issuance. */
export function supplyBreakdown(state: ChainState) {
  let free = 0n;
  for (const [, a] of state.accounts.entries()) free += a.free;
  let staked = 0n;
  for (const [, h] of state.hotkeys.entries()) {
    let sum = 0n;
    for (const [, v] of h.stakes) sum += v;
    if (sum !== h.totalStake) throw new Error('hotkey totalStake out of sync');
    staked += sum;
  }
  let locked = 0n;
  let pending = 0n;
  for (const [, s] of state.subnets.entries()) {
    locked += s.locked;
    pending += s.pending;
  }
  // Deposits of open proposals are held by the chain until the tally.
  let deposits = 0n;
  for (const id of state.governance.open) {
    deposits += state.proposals.get(proposalKey(id))?.deposit ?? 0n;
  }
  return {
    free,
    staked,
    locked,
    pending,
    deposits,
    total: free + staked + locked + pending + deposits,
    issuance: state.totalIssuance,
  };
}

export { decodeSignedTx };
