/**
 * The served request/response protocols, reading from a `BlockSource` so any chain store plugs
 * in (chain-adapter.ts adapts the real ChainStore; tests use synthetic sources).
 */
import {
  decodeBlockByHash,
  decodeBlocksByRange,
  decodeStatus,
  encodeBlockEnvelope,
  encodeStatus,
  sameNetwork,
  type BlockEnvelope,
  type BlocksByRangeRequest,
  type ChainStatus,
  type HexHash,
} from '../messages.ts';
import { MAX_BLOCKS_PER_REQUEST } from '../protocols.ts';
import type { ProtocolHandler } from '../reqresp.ts';

/** What the network serves from. Implementations must never throw for heights they lack. */
export interface BlockSource {
  /** This node's current status (chain id, genesis, head, finalized). */
  status(): ChainStatus | Promise<ChainStatus>;
  /**
   * Blocks start..start+count-1 in ascending order, each with its commit, stopping early at the
   * head (heights past the head are simply not yielded).
   */
  blocksByRange(
    start: number,
    count: number,
  ): AsyncIterable<BlockEnvelope> | Iterable<BlockEnvelope>;
  /** The block with this hash (hex) and its commit, or null. */
  blockByHash(hash: HexHash): Promise<BlockEnvelope | null> | BlockEnvelope | null;
}

export interface StatusHandlerOptions {
  source: BlockSource;
  /** The requester's status as it sent it: updates the syncer's view of that peer. */
  onPeerStatus(peer: string, status: ChainStatus, ours: ChainStatus): void;
}

export function statusHandler(options: StatusHandlerOptions): ProtocolHandler<ChainStatus> {
  return {
    decode: decodeStatus,
    async *serve(theirs, peer) {
      const ours = await options.source.status();
      yield encodeStatus(ours);
      // A peer on another network is banned here (score.ts WRONG_NETWORK), which may cut the
      // stream before our answer leaves; it has nothing to learn from us anyway.
      options.onPeerStatus(peer, theirs, ours);
    },
  };
}

export function blocksByRangeHandler(
  source: BlockSource,
  maxCount = MAX_BLOCKS_PER_REQUEST,
): ProtocolHandler<BlocksByRangeRequest> {
  return {
    decode: (bytes) => decodeBlocksByRange(bytes, maxCount),
    items: (request) => request.count,
    async *serve(request) {
      for await (const envelope of source.blocksByRange(request.start, request.count)) {
        yield encodeBlockEnvelope(envelope);
      }
    },
  };
}

export function blockByHashHandler(source: BlockSource): ProtocolHandler<HexHash> {
  return {
    decode: decodeBlockByHash,
    async *serve(hash) {
      const envelope = await source.blockByHash(hash);
      if (envelope !== null) yield encodeBlockEnvelope(envelope);
    },
  };
}

export { sameNetwork };
