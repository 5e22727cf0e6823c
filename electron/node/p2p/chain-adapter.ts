/**
 * Glue between the network and the chain's real formats, so the lead can wire P2PService to a
 * ChainStore in a few lines (read-only use of chain/; this file never changes chain state):
 *   - `chainStoreBlockSource(store)`: serves status / blocks_by_range / block_by_hash from the
 *     block log (the raw canonical bytes, no re-encoding);
 *   - `decodeChainBlock(envelope)`: the syncer's decode hook (block + commit via chain/codec.ts);
 *   - `chainStoreHead(store)`: the syncer's head hook.
 * verifyCommit and apply stay with chain/consensus.
 */
import { blockHash, type Block, type Commit } from '../chain/block.ts';
import { decodeBlock, decodeCommit } from '../chain/codec.ts';
import type { ChainStore } from '../chain/store/chain-store.ts';
import type { BlockSource } from './handlers/index.ts';
import type { BlockEnvelope, ChainStatus } from './messages.ts';
import type { DecodedBlock, LocalHead } from './sync.ts';

type StoreView = Pick<ChainStore, 'state' | 'log' | 'db' | 'genesis'>;

export function chainStoreStatus(store: StoreView): ChainStatus {
  const s = store.state;
  return {
    chainId: s.chainId,
    genesisHash: store.genesis.hash,
    headHeight: s.height,
    headHash: s.lastBlockHash,
    // BFT finality: every stored block is final.
    finalizedHeight: s.height,
  };
}

export function chainStoreBlockSource(store: StoreView): BlockSource {
  return {
    status: () => chainStoreStatus(store),
    async *blocksByRange(start, count) {
      const last = Math.min(store.log.count, start + count - 1);
      for (let h = start; h <= last; h++) yield await store.log.read(h);
    },
    async blockByHash(hash) {
      const row = store.db.block(hash);
      if (row === null || row.height < 1 || row.height > store.log.count) return null;
      return store.log.read(row.height);
    },
  };
}

export function chainStoreHead(store: StoreView): LocalHead {
  const s = store.state;
  return {
    height: s.height,
    hash: s.lastBlockHash,
    timeMs: s.height === 0 ? null : s.lastBlockTime,
  };
}

/** Decodes a wire envelope with the chain's strict canonical codec (throws on malformed bytes). */
export function decodeChainBlock(envelope: BlockEnvelope): DecodedBlock<Block, Commit> {
  const block = decodeBlock(envelope.block);
  const commit = decodeCommit(envelope.commit);
  return {
    block,
    commit,
    height: block.header.height,
    hash: blockHash(block.header),
    prevHash: block.header.prevHash,
    commitHeight: commit.height,
    commitBlockHash: commit.blockHash,
    timeMs: block.header.time,
  };
}
