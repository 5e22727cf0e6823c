/**
 * Request/response over libp2p streams (Lodestar's ReqResp shape): one new stream per request,
 * the request as one length-prefixed frame, the requester half-closes, the responder answers
 * with zero or more length-prefixed chunks `<result byte><payload>` and closes.
 *
 * Every read is bounded (the protocol's max frame size, checked from the length prefix before
 * the body is read) and timed (dial, time to first byte, time between chunks). On the serving
 * side each request is charged to the peer's quota (rate-limit.ts) before any work is done, and
 * malformed, oversized or over-quota requests are answered with an error code and counted against
 * the peer's score (score.ts). Handlers never see bytes that failed those checks.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { isNoesisError, NoesisError } from '../errors.ts';
import { p2pError, P2PErrorCode } from './errors.ts';
import type { P2PHost } from './host.ts';
import {
  protocolId,
  REQ_RESP_PROTOCOLS,
  ResponseCode,
  type RateQuota,
  type ReqRespProtocolDef,
  type ReqRespProtocolName,
} from './protocols.ts';
import { RateLimiter } from './rate-limit.ts';
import { PenaltyReason, type PeerScoreBook } from './score.ts';

/** A served protocol: decode (throws MALFORMED / INVALID_REQUEST), cost, and the response items. */
export interface ProtocolHandler<Req> {
  decode(bytes: Uint8Array): Req;
  /** Items charged to the peer's quota (default 1). */
  items?(request: Req): number;
  serve(request: Req, peer: string): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface ReqRespStats {
  served: number;
  failed: number;
  malformed: number;
  oversized: number;
  rateLimited: number;
}

export interface ReqRespOptions {
  host: Pick<P2PHost, 'handle' | 'unhandle' | 'dialProtocol'>;
  chainId: string;
  scores: PeerScoreBook;
  /** Per-protocol overrides (tests shrink quotas and timeouts). */
  protocols?: Partial<Record<ReqRespProtocolName, Partial<ReqRespProtocolDef>>>;
  now?: () => number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

const RESPONSE_BATCH_BYTES = 256 * 1024;
const RESPONSE_BATCH_ITEMS = 64;
const MAX_REASON_BYTES = 256;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function isOversize(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError';
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return name === 'AbortError' || name === 'TimeoutError';
}

function isEof(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'UnexpectedEOFError';
}

function chunk(code: ResponseCode, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = code;
  out.set(payload, 1);
  return out;
}

function reasonChunk(code: ResponseCode, reason: string): Uint8Array {
  return chunk(code, encoder.encode(reason).subarray(0, MAX_REASON_BYTES));
}

function timeoutSignal(ms: number, outer?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(ms);
  return outer === undefined ? t : AbortSignal.any([t, outer]);
}

export class ReqResp {
  readonly defs: Readonly<Record<ReqRespProtocolName, ReqRespProtocolDef>>;
  readonly rateLimiter: RateLimiter;
  readonly stats: ReqRespStats = {
    served: 0,
    failed: 0,
    malformed: 0,
    oversized: 0,
    rateLimited: 0,
  };
  private readonly host: ReqRespOptions['host'];
  private readonly chainId: string;
  private readonly scores: PeerScoreBook;
  private readonly log: NonNullable<ReqRespOptions['log']>;
  private readonly registered = new Set<string>();

  constructor(options: ReqRespOptions) {
    this.host = options.host;
    this.chainId = options.chainId;
    this.scores = options.scores;
    this.log = options.log ?? (() => undefined);
    const defs = {} as Record<ReqRespProtocolName, ReqRespProtocolDef>;
    for (const [name, def] of Object.entries(REQ_RESP_PROTOCOLS) as Array<
      [ReqRespProtocolName, ReqRespProtocolDef]
    >) {
      defs[name] = { ...def, ...options.protocols?.[name] };
    }
    this.defs = defs;
    const quotas: Record<string, RateQuota> = {};
    for (const [name, def] of Object.entries(defs)) quotas[name] = def.quota;
    this.rateLimiter = new RateLimiter(quotas, options.now ? { now: options.now } : {});
  }

  protocolId(name: ReqRespProtocolName): string {
    return protocolId(this.chainId, name, this.defs[name].version);
  }

  async register<Req>(name: ReqRespProtocolName, handler: ProtocolHandler<Req>): Promise<void> {
    const id = this.protocolId(name);
    await this.host.handle(
      id,
      (stream, connection) => this.onStream(name, handler, stream, connection),
      {
        maxInboundStreams: name === 'blocks_by_range' ? 8 : 16,
        runOnLimitedConnection: true,
      },
    );
    this.registered.add(id);
  }

  async unregisterAll(): Promise<void> {
    for (const id of this.registered) await this.host.unhandle(id).catch(() => undefined);
    this.registered.clear();
  }

  /** Forget a disconnected peer's quotas. */
  forgetPeer(peer: string): void {
    this.rateLimiter.forget(peer);
  }

  private async onStream<Req>(
    name: ReqRespProtocolName,
    handler: ProtocolHandler<Req>,
    stream: Stream,
    connection: Connection,
  ): Promise<void> {
    const def = this.defs[name];
    const peer = connection.remotePeer.toString();
    const lp = lpStream(stream, { maxDataLength: def.maxRequestBytes });
    const reply = async (code: ResponseCode, reason: string) => {
      await lp.write(reasonChunk(code, reason), {
        signal: AbortSignal.timeout(def.chunkTimeoutMs),
      });
      await stream.close({ signal: AbortSignal.timeout(def.chunkTimeoutMs) });
    };
    try {
      if (this.scores.isBanned(peer)) {
        stream.abort(new Error('peer banned'));
        return;
      }
      let raw: Uint8Array;
      try {
        raw = (await lp.read({ signal: AbortSignal.timeout(def.ttfbTimeoutMs) })).subarray();
      } catch (error) {
        if (isOversize(error)) {
          this.stats.oversized++;
          this.scores.penalize(peer, PenaltyReason.OVERSIZED);
          stream.abort(new Error('request too large'));
        } else {
          if (isAbort(error)) this.scores.penalize(peer, PenaltyReason.TIMEOUT);
          stream.abort(error instanceof Error ? error : new Error(String(error)));
        }
        return;
      }
      let request: Req;
      try {
        request = handler.decode(raw);
      } catch (error) {
        this.stats.malformed++;
        const invalid = isNoesisError(error, P2PErrorCode.INVALID_REQUEST);
        this.scores.penalize(peer, invalid ? PenaltyReason.INVALID : PenaltyReason.MALFORMED);
        await reply(ResponseCode.INVALID_REQUEST, (error as Error).message);
        return;
      }
      const items = handler.items?.(request) ?? 1;
      if (!this.rateLimiter.allow(name, peer, items)) {
        this.stats.rateLimited++;
        this.scores.penalize(peer, PenaltyReason.RATE_LIMITED);
        await reply(ResponseCode.RATE_LIMITED, `over quota for ${name}`);
        return;
      }
      let sent = 0;
      let batch: Uint8Array[] = [];
      let batchBytes = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        await lp.writeV(batch, { signal: AbortSignal.timeout(def.chunkTimeoutMs) });
        batch = [];
        batchBytes = 0;
      };
      try {
        for await (const item of handler.serve(request, peer)) {
          if (sent >= def.maxChunks) break;
          batch.push(chunk(ResponseCode.SUCCESS, item));
          batchBytes += item.length;
          sent++;
          if (batchBytes >= RESPONSE_BATCH_BYTES || batch.length >= RESPONSE_BATCH_ITEMS) {
            await flush();
          }
        }
        await flush();
      } catch (error) {
        if (batch.length > 0) await flush();
        const unavailable = isNoesisError(error, P2PErrorCode.RESOURCE_UNAVAILABLE);
        this.stats.failed++;
        this.log('reqresp: handler failed', { protocol: name, peer, error: String(error) });
        await reply(
          unavailable ? ResponseCode.RESOURCE_UNAVAILABLE : ResponseCode.SERVER_ERROR,
          unavailable ? (error as Error).message : 'server error',
        );
        return;
      }
      await stream.close({ signal: AbortSignal.timeout(def.chunkTimeoutMs) });
      this.stats.served++;
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Sends one request and collects the response items. Throws a NoesisError with a P2PErrorCode;
   * a remote that breaks the protocol (oversized chunk, too many chunks, silence) is penalized.
   */
  async request(
    peer: PeerId,
    name: ReqRespProtocolName,
    body: Uint8Array,
    options: RequestOptions = {},
  ): Promise<Uint8Array[]> {
    const def = this.defs[name];
    const peerText = peer.toString();
    if (body.length > def.maxRequestBytes) {
      throw p2pError(P2PErrorCode.OVERSIZED, `${name} request too large`, {
        size: body.length,
        max: def.maxRequestBytes,
      });
    }
    if (this.scores.isBanned(peerText)) {
      throw p2pError(P2PErrorCode.PEER_BANNED, 'peer is banned', { peer: peerText });
    }
    let stream: Stream;
    try {
      stream = await this.host.dialProtocol(peer, this.protocolId(name), {
        signal: timeoutSignal(def.dialTimeoutMs, options.signal),
        runOnLimitedConnection: true,
      });
    } catch (error) {
      throw p2pError(P2PErrorCode.DIAL_FAILED, `cannot open ${name} to ${peerText}`, {
        peer: peerText,
        protocol: name,
        cause: String(error),
      });
    }
    const lp = lpStream(stream, { maxDataLength: def.maxChunkBytes });
    const items: Uint8Array[] = [];
    try {
      await lp.write(body, { signal: timeoutSignal(def.ttfbTimeoutMs, options.signal) });
      await stream.close({ signal: timeoutSignal(def.ttfbTimeoutMs, options.signal) });
      for (;;) {
        let frame: Uint8Array;
        try {
          const ms = items.length === 0 ? def.ttfbTimeoutMs : def.chunkTimeoutMs;
          frame = (await lp.read({ signal: timeoutSignal(ms, options.signal) })).subarray();
        } catch (error) {
          if (isEof(error)) break;
          if (isOversize(error)) {
            this.scores.penalize(peerText, PenaltyReason.OVERSIZED);
            throw p2pError(P2PErrorCode.OVERSIZED, `${name} response chunk too large`, {
              peer: peerText,
              max: def.maxChunkBytes,
            });
          }
          if (isAbort(error) && options.signal?.aborted !== true) {
            this.scores.penalize(peerText, PenaltyReason.TIMEOUT);
            throw p2pError(P2PErrorCode.TIMEOUT, `${name} to ${peerText} timed out`, {
              peer: peerText,
              protocol: name,
            });
          }
          throw error;
        }
        if (frame.length === 0) {
          this.scores.penalize(peerText, PenaltyReason.MALFORMED);
          throw p2pError(P2PErrorCode.MALFORMED, 'empty response chunk', { peer: peerText });
        }
        const code = frame[0];
        if (code !== ResponseCode.SUCCESS) throw remoteError(code, frame.subarray(1), peerText);
        if (items.length >= def.maxChunks) {
          this.scores.penalize(peerText, PenaltyReason.PROTOCOL_VIOLATION);
          throw p2pError(P2PErrorCode.TOO_MANY_CHUNKS, `${name} response has too many chunks`, {
            peer: peerText,
            max: def.maxChunks,
          });
        }
        items.push(frame.subarray(1));
      }
      return items;
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)));
      if (error instanceof NoesisError) throw error;
      throw p2pError(P2PErrorCode.DIAL_FAILED, `${name} to ${peerText} failed`, {
        peer: peerText,
        protocol: name,
        cause: String(error),
      });
    }
  }
}

function remoteError(code: number | undefined, payload: Uint8Array, peer: string): NoesisError {
  const reason = decoder.decode(payload.subarray(0, MAX_REASON_BYTES));
  switch (code) {
    case ResponseCode.INVALID_REQUEST:
      return p2pError(P2PErrorCode.REMOTE_INVALID_REQUEST, `remote refused: ${reason}`, {
        peer,
        reason,
      });
    case ResponseCode.RESOURCE_UNAVAILABLE:
      return p2pError(P2PErrorCode.RESOURCE_UNAVAILABLE, `remote has not got it: ${reason}`, {
        peer,
        reason,
      });
    case ResponseCode.RATE_LIMITED:
      return p2pError(P2PErrorCode.RATE_LIMITED, `remote rate-limited us: ${reason}`, {
        peer,
        reason,
      });
    default:
      return p2pError(P2PErrorCode.REMOTE_SERVER_ERROR, `remote failed: ${reason}`, {
        peer,
        reason,
        code,
      });
  }
}
