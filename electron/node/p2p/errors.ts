/**
 * Error codes of the network domain. Request/response failures carry one of these so the caller
 * (the syncer, a test, the UI) can act on the exact reason; `data` names the peer and protocol.
 */
import { NoesisError } from '../errors.ts';

export const P2PErrorCode = {
  /** The bytes could not be decoded into the expected message shape. */
  MALFORMED: 'P2P_MALFORMED',
  /** A message or frame is larger than the protocol allows; data: { size?, max }. */
  OVERSIZED: 'P2P_OVERSIZED',
  /** A request asks for more than allowed (e.g. count above MAX_BLOCKS_PER_REQUEST). */
  INVALID_REQUEST: 'P2P_INVALID_REQUEST',
  /** The remote answered INVALID_REQUEST to our request; data: { reason }. */
  REMOTE_INVALID_REQUEST: 'P2P_REMOTE_INVALID_REQUEST',
  /** The remote answered SERVER_ERROR; data: { reason }. */
  REMOTE_SERVER_ERROR: 'P2P_REMOTE_SERVER_ERROR',
  /** The remote does not have what was asked. */
  RESOURCE_UNAVAILABLE: 'P2P_RESOURCE_UNAVAILABLE',
  /** The remote (or this node) rate-limited the request. */
  RATE_LIMITED: 'P2P_RATE_LIMITED',
  /** Dialing or negotiating the protocol failed. */
  DIAL_FAILED: 'P2P_DIAL_FAILED',
  /** No first byte, or no next chunk, within the protocol's timeout. */
  TIMEOUT: 'P2P_TIMEOUT',
  /** The remote sent more chunks than the protocol allows. */
  TOO_MANY_CHUNKS: 'P2P_TOO_MANY_CHUNKS',
  /** The remote is on another chain (chain id or genesis hash differ). */
  WRONG_NETWORK: 'P2P_WRONG_NETWORK',
  /** A synced block failed verification (linkage, height or commit). */
  INVALID_BLOCK: 'P2P_INVALID_BLOCK',
  /** The peer is banned for misbehaviour. */
  PEER_BANNED: 'P2P_PEER_BANNED',
  /** The service is not started (or already stopped). */
  NOT_STARTED: 'P2P_NOT_STARTED',
} as const;
export type P2PErrorCode = (typeof P2PErrorCode)[keyof typeof P2PErrorCode];

export function p2pError(
  code: P2PErrorCode,
  message: string,
  data: Record<string, unknown> = {},
): NoesisError {
  return new NoesisError(code, message, data);
}
