/**
 * Request/response payload codecs. Every message is canonical CBOR (RFC 8949 §4.2) of a
 * positional array; decoding is strict (one accepted byte string per value, no extra fields,
 * exact types and lengths), so a malformed message is always detected and never half-read.
 * Hashes are 32-byte byte strings on the wire and lower-case hex in the API.
 */
import { decode, encode, rfc8949EncodeOptions } from 'cborg';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { p2pError, P2PErrorCode } from './errors.ts';
import { MAX_BLOCKS_PER_REQUEST } from './protocols.ts';

export type HexHash = string;

/** What a node says about its chain (the `status` protocol, both directions). */
export interface ChainStatus {
  chainId: string;
  genesisHash: HexHash;
  headHeight: number;
  headHash: HexHash;
  /** Highest final height (equals headHeight under BFT finality; kept for clarity on the wire). */
  finalizedHeight: number;
}

export interface BlocksByRangeRequest {
  /** First height wanted (≥ 1). */
  start: number;
  /** How many consecutive heights (1..MAX_BLOCKS_PER_REQUEST). */
  count: number;
}

/** A block and the commit that finalizes it, each in the chain's canonical encoding. */
export interface BlockEnvelope {
  block: Uint8Array;
  commit: Uint8Array;
}

const DECODE_OPTIONS = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  rejectDuplicateMapKeys: true,
  useMaps: false,
} as const;

export function encodeMessage(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}

function malformed(what: string): Error {
  return p2pError(P2PErrorCode.MALFORMED, `malformed ${what}`);
}

function decodeStrict(bytes: Uint8Array, what: string): unknown {
  let value: unknown;
  try {
    value = decode(bytes, DECODE_OPTIONS);
  } catch {
    throw malformed(what);
  }
  const again = encodeMessage(value);
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) throw malformed(what);
  return value;
}

function tuple(value: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length) throw malformed(what);
  return value;
}

function uint(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw malformed(what);
  return value;
}

function hash(value: unknown, what: string): HexHash {
  if (!(value instanceof Uint8Array) || value.length !== 32) throw malformed(what);
  return bytesToHex(value);
}

function hashBytes(hex: HexHash): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError('a hash is 64 lower-case hex digits');
  return hexToBytes(hex);
}

/** status: [chainId, genesisHash(b32), headHeight, headHash(b32), finalizedHeight] */
export function encodeStatus(s: ChainStatus): Uint8Array {
  return encodeMessage([
    s.chainId,
    hashBytes(s.genesisHash),
    s.headHeight,
    hashBytes(s.headHash),
    s.finalizedHeight,
  ]);
}

export function decodeStatus(bytes: Uint8Array): ChainStatus {
  const [chainId, genesisHash, headHeight, headHash, finalizedHeight] = tuple(
    decodeStrict(bytes, 'status'),
    5,
    'status',
  );
  if (typeof chainId !== 'string' || chainId.length === 0 || chainId.length > 64) {
    throw malformed('status');
  }
  const status: ChainStatus = {
    chainId,
    genesisHash: hash(genesisHash, 'status'),
    headHeight: uint(headHeight, 'status'),
    headHash: hash(headHash, 'status'),
    finalizedHeight: uint(finalizedHeight, 'status'),
  };
  if (status.finalizedHeight > status.headHeight) throw malformed('status');
  return status;
}

/** blocks_by_range request: [start, count] */
export function encodeBlocksByRange(r: BlocksByRangeRequest): Uint8Array {
  return encodeMessage([r.start, r.count]);
}

export function decodeBlocksByRange(bytes: Uint8Array, maxCount = MAX_BLOCKS_PER_REQUEST) {
  const [start, count] = tuple(decodeStrict(bytes, 'blocks_by_range'), 2, 'blocks_by_range');
  const request: BlocksByRangeRequest = {
    start: uint(start, 'blocks_by_range'),
    count: uint(count, 'blocks_by_range'),
  };
  if (request.start < 1 || request.count < 1 || request.count > maxCount) {
    throw p2pError(P2PErrorCode.INVALID_REQUEST, 'blocks_by_range out of bounds', {
      ...request,
      maxCount,
    });
  }
  return request;
}

/** block_by_hash request: [hash(b32)] */
export function encodeBlockByHash(blockHash: HexHash): Uint8Array {
  return encodeMessage([hashBytes(blockHash)]);
}

export function decodeBlockByHash(bytes: Uint8Array): HexHash {
  const [h] = tuple(decodeStrict(bytes, 'block_by_hash'), 1, 'block_by_hash');
  return hash(h, 'block_by_hash');
}

/** A block response item: [block bytes, commit bytes] */
export function encodeBlockEnvelope(e: BlockEnvelope): Uint8Array {
  return encodeMessage([e.block, e.commit]);
}

export function decodeBlockEnvelope(bytes: Uint8Array): BlockEnvelope {
  const [block, commit] = tuple(decodeStrict(bytes, 'block envelope'), 2, 'block envelope');
  if (!(block instanceof Uint8Array) || !(commit instanceof Uint8Array) || block.length === 0) {
    throw malformed('block envelope');
  }
  return { block, commit };
}

export function sameNetwork(a: ChainStatus, b: ChainStatus): boolean {
  return a.chainId === b.chainId && a.genesisHash === b.genesisHash;
}
