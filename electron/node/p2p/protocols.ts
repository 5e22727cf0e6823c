/**
 * Every name this node speaks on the wire, listed once, with its limits (Lodestar's
 * `reqresp/protocols.ts` pattern). Protocol ids and topics carry the chain id and a version, so
 * two networks (or two incompatible releases) never exchange a byte: `/noesis/<chainId>/<name>/<v>`.
 * docs/wire-protocol.md documents each entry with examples; change both together.
 */

export const PROTOCOL_NAMESPACE = 'noesis';

/** The largest encoded block the chain accepts (chain/block.ts MAX_BLOCK_BYTES), plus its commit. */
export const MAX_BLOCK_BYTES = 4 * 1024 * 1024;
/** A commit: ~100 bytes per validator signature; room for a few hundred validators. */
export const MAX_COMMIT_BYTES = 64 * 1024;
/** One blocks_by_range / block_by_hash response chunk: result byte + CBOR [block, commit]. */
export const MAX_BLOCK_CHUNK_BYTES = MAX_BLOCK_BYTES + MAX_COMMIT_BYTES + 64;
/** Most blocks one blocks_by_range request may ask for. */
export const MAX_BLOCKS_PER_REQUEST = 256;

export function protocolPrefix(chainId: string): string {
  return `/${PROTOCOL_NAMESPACE}/${chainId}`;
}

/** `/noesis/<chainId>/<name>/<version>` */
export function protocolId(chainId: string, name: string, version = 1): string {
  return `${protocolPrefix(chainId)}/${name}/${version}`;
}

/** Our Kademlia DHT (never the public IPFS one): `/noesis/<chainId>/kad/1.0.0`. */
export function dhtProtocol(chainId: string): string {
  return `${protocolPrefix(chainId)}/kad/1.0.0`;
}

/** Chain ids go into protocol strings and topics: keep them to a safe alphabet. */
export function assertChainId(chainId: string): void {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(chainId)) {
    throw new TypeError(`chain id "${chainId}" is not usable in a protocol name`);
  }
}

export interface RateQuota {
  /** Items (requests, or blocks for blocks_by_range) a peer may ask for per period. */
  readonly items: number;
  readonly periodMs: number;
}

export interface ReqRespProtocolDef {
  readonly name: ReqRespProtocolName;
  readonly version: number;
  /** Largest request frame, bytes. */
  readonly maxRequestBytes: number;
  /** Largest response chunk (result byte included), bytes. */
  readonly maxChunkBytes: number;
  /** Most chunks in one response. */
  readonly maxChunks: number;
  /** Per-peer quota on the serving side. */
  readonly quota: RateQuota;
  /** Opening the stream (dial + protocol negotiation). */
  readonly dialTimeoutMs: number;
  /** Time to the first response byte once the request is sent. */
  readonly ttfbTimeoutMs: number;
  /** Longest wait between two response chunks. */
  readonly chunkTimeoutMs: number;
}

export type ReqRespProtocolName = 'status' | 'blocks_by_range' | 'block_by_hash';

export const REQ_RESP_PROTOCOLS: Readonly<Record<ReqRespProtocolName, ReqRespProtocolDef>> = {
  status: {
    name: 'status',
    version: 1,
    maxRequestBytes: 512,
    maxChunkBytes: 512,
    maxChunks: 1,
    quota: { items: 5, periodMs: 15_000 },
    dialTimeoutMs: 5_000,
    ttfbTimeoutMs: 5_000,
    chunkTimeoutMs: 5_000,
  },
  blocks_by_range: {
    name: 'blocks_by_range',
    version: 1,
    maxRequestBytes: 32,
    maxChunkBytes: MAX_BLOCK_CHUNK_BYTES,
    maxChunks: MAX_BLOCKS_PER_REQUEST,
    // Counted in blocks (the request's count), as Lodestar does: ~5,000 blocks/s sustained per peer.
    quota: { items: 50_000, periodMs: 10_000 },
    dialTimeoutMs: 5_000,
    ttfbTimeoutMs: 5_000,
    chunkTimeoutMs: 10_000,
  },
  block_by_hash: {
    name: 'block_by_hash',
    version: 1,
    maxRequestBytes: 64,
    maxChunkBytes: MAX_BLOCK_CHUNK_BYTES,
    maxChunks: 1,
    quota: { items: 128, periodMs: 10_000 },
    dialTimeoutMs: 5_000,
    ttfbTimeoutMs: 5_000,
    chunkTimeoutMs: 10_000,
  },
};

export const REQ_RESP_NAMES = Object.keys(REQ_RESP_PROTOCOLS) as ReqRespProtocolName[];

/** First byte of every response chunk. */
export const ResponseCode = {
  /** The payload is a response item. */
  SUCCESS: 0,
  /** The request could not be decoded or broke a limit; payload: UTF-8 reason. */
  INVALID_REQUEST: 1,
  /** The server failed; payload: UTF-8 reason. */
  SERVER_ERROR: 2,
  /** The server does not have what was asked (e.g. blocks it has not got yet). */
  RESOURCE_UNAVAILABLE: 3,
  /** The peer went over its quota for this protocol; retry later. */
  RATE_LIMITED: 4,
} as const;
export type ResponseCode = (typeof ResponseCode)[keyof typeof ResponseCode];

export type GossipTopicName = 'blocks' | 'consensus' | 'transactions' | 'evidence';

export interface GossipTopicDef {
  readonly name: GossipTopicName;
  readonly version: number;
  /** Largest message data on this topic, bytes; larger ones are rejected and penalized. */
  readonly maxBytes: number;
}

export const GOSSIP_TOPICS: Readonly<Record<GossipTopicName, GossipTopicDef>> = {
  blocks: { name: 'blocks', version: 1, maxBytes: MAX_BLOCK_CHUNK_BYTES },
  consensus: { name: 'consensus', version: 1, maxBytes: MAX_BLOCK_CHUNK_BYTES },
  transactions: { name: 'transactions', version: 1, maxBytes: 64 * 1024 },
  evidence: { name: 'evidence', version: 1, maxBytes: 64 * 1024 },
};

export const GOSSIP_TOPIC_NAMES = Object.keys(GOSSIP_TOPICS) as GossipTopicName[];

export function topicId(chainId: string, name: GossipTopicName): string {
  return protocolId(chainId, name, GOSSIP_TOPICS[name].version);
}

/**
 * Consensus messages travel as `<type tag byte><payload>`; the consensus module defines the
 * payloads. Each tag has its own size limit; an unknown tag is rejected.
 */
export const ConsensusTag = {
  PROPOSAL: 1,
  VOTE: 2,
  /** A commit for a height (the pull path for a node that missed votes). */
  COMMIT: 3,
} as const;
export type ConsensusTag = (typeof ConsensusTag)[keyof typeof ConsensusTag];

export const CONSENSUS_TAG_MAX_BYTES: Readonly<Record<number, number>> = {
  [ConsensusTag.PROPOSAL]: MAX_BLOCK_CHUNK_BYTES,
  [ConsensusTag.VOTE]: 1024,
  [ConsensusTag.COMMIT]: MAX_COMMIT_BYTES,
};
