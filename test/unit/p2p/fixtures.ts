/**
 * A synthetic chain in the real block format (chain/codec.ts): N empty blocks, each carrying the
 * previous block's commit, each finalized by one validator's real ed25519 commit signature. Used by
 * the p2p unit and integration tests and bench/p2p-sync.ts; no state machine involved.
 */
import {
  blockHash,
  commitHash,
  evidenceHashOf,
  signCommit,
  txRootOf,
} from '../../../electron/node/chain/block.ts';
import type { Block, Commit } from '../../../electron/node/chain/block.ts';
import { encodeBlock, encodeCommit, voteSignBytes } from '../../../electron/node/chain/codec.ts';
import {
  fromHex,
  hash256,
  publicKeyOf,
  toHex,
  verifySignature,
} from '../../../electron/node/chain/crypto.ts';
import { decodeChainBlock } from '../../../electron/node/p2p/chain-adapter.ts';
import type { BlockSource } from '../../../electron/node/p2p/handlers/index.ts';
import type { BlockEnvelope, ChainStatus } from '../../../electron/node/p2p/messages.ts';
import type { LocalHead } from '../../../electron/node/p2p/sync.ts';

export const TEST_CHAIN_ID = 'p2ptest';

export interface SyntheticChain {
  chainId: string;
  genesisHash: string;
  validatorSecret: Uint8Array;
  validatorKey: string;
  envelopes: BlockEnvelope[];
  /** hashes[i] is the hash of block i+1. */
  hashes: string[];
}

export function makeChain(n: number, chainId = TEST_CHAIN_ID, seed = 7): SyntheticChain {
  const validatorSecret = hash256(Uint8Array.of(seed));
  const validatorKey = toHex(publicKeyOf(validatorSecret));
  const genesisHash = toHex(hash256(new TextEncoder().encode(`genesis:${chainId}`)));
  const envelopes: BlockEnvelope[] = [];
  const hashes: string[] = [];
  let prevHash = genesisHash;
  let lastCommit: Commit | null = null;
  const txRoot = txRootOf([]);
  const evidenceHash = evidenceHashOf([]);
  for (let height = 1; height <= n; height++) {
    const block: Block = {
      header: {
        chainId,
        height,
        time: 1_700_000_000_000 + height * 1000,
        prevHash,
        txRoot,
        stateRoot: toHex(hash256(Uint8Array.of(height & 0xff, height >> 8))),
        proposer: validatorKey,
        lastCommitHash: commitHash(lastCommit),
        evidenceHash,
      },
      txs: [],
      lastCommit,
      evidence: [],
    };
    const hash = blockHash(block.header);
    const commit = signCommit(chainId, height, hash, validatorSecret, validatorKey);
    envelopes.push({ block: encodeBlock(block), commit: encodeCommit(commit) });
    hashes.push(hash);
    prevHash = hash;
    lastCommit = commit;
  }
  return { chainId, genesisHash, validatorSecret, validatorKey, envelopes, hashes };
}

/** verifyCommit for a one-validator chain: the commit carries its valid signature. */
export function oneValidatorVerifier(chain: SyntheticChain) {
  const key = fromHex(chain.validatorKey);
  return (block: Block, commit: Commit): boolean => {
    const sig = commit.signatures.find((s) => s.validator === chain.validatorKey);
    if (sig === undefined) return false;
    return verifySignature(
      key,
      voteSignBytes(chain.chainId, block.header.height, commit.round, commit.blockHash),
      fromHex(sig.signature),
    );
  };
}

/** A node's chain in memory: serves what it has and applies what sync gives it. */
export class MemoryChain implements BlockSource {
  readonly chain: SyntheticChain;
  readonly blocks: BlockEnvelope[] = [];
  readonly appliedHashes: string[] = [];
  private times: number[] = [];

  constructor(chain: SyntheticChain, height = 0) {
    this.chain = chain;
    for (let h = 1; h <= height; h++) this.push(chain.envelopes[h - 1] as BlockEnvelope);
  }

  get height(): number {
    return this.blocks.length;
  }

  push(envelope: BlockEnvelope): void {
    const d = decodeChainBlock(envelope);
    this.blocks.push(envelope);
    this.appliedHashes.push(d.hash);
    this.times.push(d.timeMs);
  }

  head(): LocalHead {
    const n = this.blocks.length;
    return {
      height: n,
      hash: n === 0 ? this.chain.genesisHash : (this.appliedHashes[n - 1] as string),
      timeMs: n === 0 ? null : (this.times[n - 1] as number),
    };
  }

  status(): ChainStatus {
    const head = this.head();
    return {
      chainId: this.chain.chainId,
      genesisHash: this.chain.genesisHash,
      headHeight: head.height,
      headHash: head.hash,
      finalizedHeight: head.height,
    };
  }

  *blocksByRange(start: number, count: number): Iterable<BlockEnvelope> {
    const last = Math.min(this.blocks.length, start + count - 1);
    for (let h = start; h <= last; h++) yield this.blocks[h - 1] as BlockEnvelope;
  }

  blockByHash(hash: string): BlockEnvelope | null {
    const i = this.appliedHashes.indexOf(hash);
    return i < 0 ? null : (this.blocks[i] as BlockEnvelope);
  }
}

/** The sync hooks of a MemoryChain with the one-validator verifier. */
export function memorySyncHooks(memory: MemoryChain) {
  const verify = oneValidatorVerifier(memory.chain);
  return {
    decode: decodeChainBlock,
    verifyCommit: verify,
    apply: (_block: Block, _commit: Commit, envelope: BlockEnvelope) => memory.push(envelope),
    head: () => memory.head(),
  };
}
