/**
 * The validator's side of the task protocol (task-protocol.ts, docs/task-protocol.md): opens a
 * stream to the miner's hotkey peer, sends one signed request and reads the streamed answer,
 * timing every frame on this node's own monotonic clock (performance.now()): the miner's claims
 * about its speed are never asked for.
 *
 * A miner that misbehaves (refuses, stalls, breaks a limit, sends a receipt that does not match
 * the tokens) never makes `send` throw: it gets a typed outcome the validator scores as 0. `send`
 * throws only for this node's own mistakes (a request that breaks the format).
 */
import type { PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import { isMultiaddr, multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { fromHex, type Hex } from '../chain/crypto.ts';
import type { P2PHost } from '../p2p/host.ts';
import { peerIdFromPublicKey } from '../wallet/peer-id.ts';
import {
  decodeTaskFrame,
  encodeTaskRequest,
  MAX_TASK_FRAME_BYTES,
  taskAnswerHash,
  taskProtocolId,
  taskRequestHash,
  verifyTaskReceipt,
  type SignedTaskReceipt,
  type SignedTaskRequest,
  type TaskFrame,
  type TaskRefusal,
  type TaskStop,
} from './task-protocol.ts';

/** The miner: its peer id, a multiaddr (with or without /p2p/<id>), or either as text. */
export { signTaskRequest } from './task-protocol.ts';

export type TaskTarget = PeerId | Multiaddr | string;

/** All in ms of the validator's performance.now() clock. */
export interface TaskTimings {
  /** Opening the stream (dial, or a new stream on an open connection, plus negotiation). */
  dialMs: number;
  /** Just before the request frame was written. */
  sentAt: number;
  /** Arrival of the first tokens frame, null if none came. */
  firstTokenAt: number | null;
  lastTokenAt: number | null;
  /** Arrival of the final frame (receipt or error), or when the wait ended. */
  doneAt: number;
  /** firstTokenAt − sentAt: includes the network path both ways, as the score should. */
  ttftMs: number | null;
  /**
   * Tokens after the first frame ÷ (lastTokenAt − firstTokenAt), per second; null with fewer
   * than two frames (research §5.4 uses (n − 1)/(last − first) for one token per frame).
   */
  tokensPerSecond: number | null;
  /** Gaps between consecutive tokens frames (the stall penalty's input). */
  gapsMs: number[];
}

export type TaskOutcome =
  | {
      kind: 'ok';
      tokens: number[];
      stop: TaskStop;
      receipt: SignedTaskReceipt;
      timings: TaskTimings;
    }
  /** The miner answered an error frame (before or after some tokens). */
  | {
      kind: 'refused';
      code: TaskRefusal;
      message: string;
      tokens: number[];
      timings: TaskTimings;
    }
  /** body.timeoutMs passed after sending without a final frame. */
  | { kind: 'timeout'; tokens: number[]; timings: TaskTimings }
  /** The miner broke the protocol: a bad frame, a limit, a receipt that does not match. */
  | { kind: 'protocol_error'; reason: string; tokens: number[]; timings: TaskTimings }
  /** No stream to the miner (unreachable, protocol not served, another peer at the address). */
  | { kind: 'dial_failed'; reason: string }
  /** The caller's signal aborted: says nothing about the miner, do not score it. */
  | { kind: 'aborted'; tokens: number[]; timings: TaskTimings | null };

export interface TaskClientOptions {
  chainId: string;
  host: Pick<P2PHost, 'dialProtocol'>;
  /** Opening the stream (default 5 s), before body.timeoutMs starts. */
  dialTimeoutMs?: number;
  /** Monotonic clock in ms (default performance.now). */
  now?: () => number;
}

export interface TaskSendOptions {
  signal?: AbortSignal;
  /** Each tokens frame as it arrives (already counted against maxTokens). */
  onTokens?: (tokens: number[]) => void;
}

/**
 * Nonces for requests: milliseconds since the epoch, strictly increasing even when two requests
 * are made in the same millisecond or the clock steps back.
 */
export class TaskNonceClock {
  private last = 0;
  private readonly now: () => number;

  constructor(now: () => number = () => Date.now()) {
    this.now = now;
  }

  next(): number {
    this.last = Math.max(this.now(), this.last + 1);
    return this.last;
  }
}

/** After the final frame, how long to wait for the miner to end the stream. */
const END_WAIT_MS = 1_000;

function errorName(error: unknown): string {
  return (error as { name?: string } | null)?.name ?? '';
}

function isOversize(error: unknown): boolean {
  const name = errorName(error);
  return name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError';
}

function peerOf(address: Multiaddr): string | null {
  const p2p = address.getComponents().filter((c) => c.name === 'p2p');
  return p2p.length === 0 ? null : (p2p[p2p.length - 1]?.value ?? null);
}

/** Where to dial so that Noise proves the remote is the miner's hotkey; or why not. */
function dialTarget(target: TaskTarget, minerPeer: string): PeerId | Multiaddr | string {
  if (typeof target === 'string') {
    if (!target.startsWith('/')) {
      return target === minerPeer ? peerIdFromString(target) : `peer ${target} is not the miner`;
    }
    try {
      target = multiaddr(target);
    } catch (error) {
      return `not a multiaddr: ${(error as Error).message}`;
    }
  }
  if (isMultiaddr(target)) {
    const named = peerOf(target);
    if (named === null) return target.encapsulate(`/p2p/${minerPeer}`);
    return named === minerPeer ? target : `the address names ${named}, not the miner`;
  }
  return target.toString() === minerPeer ? target : `peer ${target.toString()} is not the miner`;
}

export class TaskClient {
  private readonly o: TaskClientOptions;
  private readonly now: () => number;
  private readonly protocol: string;

  constructor(options: TaskClientOptions) {
    this.o = options;
    this.now = options.now ?? (() => performance.now());
    this.protocol = taskProtocolId(options.chainId);
  }

  /** Sends one task and reads the whole answer; never throws for the miner's behaviour. */
  async send(
    target: TaskTarget,
    request: SignedTaskRequest,
    options: TaskSendOptions = {},
  ): Promise<TaskOutcome> {
    const body = request.body;
    const bytes = encodeTaskRequest(request); // throws for our own malformed request
    const outer = options.signal;
    if (outer?.aborted) return { kind: 'aborted', tokens: [], timings: null };
    const minerPeer = peerIdFromPublicKey(fromHex(body.miner));
    const where = dialTarget(target, minerPeer);
    if (typeof where === 'string') return { kind: 'dial_failed', reason: where };

    const dialStart = this.now();
    let stream: Stream;
    try {
      const dialSignal = AbortSignal.timeout(this.o.dialTimeoutMs ?? 5_000);
      stream = await this.o.host.dialProtocol(where, this.protocol, {
        signal: outer === undefined ? dialSignal : AbortSignal.any([dialSignal, outer]),
        runOnLimitedConnection: true,
      });
    } catch (error) {
      if (outer?.aborted) return { kind: 'aborted', tokens: [], timings: null };
      return { kind: 'dial_failed', reason: `${errorName(error)}: ${String(error)}` };
    }

    const sentAt = this.now();
    const tokens: number[] = [];
    const frameTimes: number[] = [];
    const frameSizes: number[] = [];
    const timings = (doneAt: number): TaskTimings => {
      const first = frameTimes[0] ?? null;
      const last = frameTimes[frameTimes.length - 1] ?? null;
      const after = tokens.length - (frameSizes[0] ?? 0);
      const span = first === null || last === null ? 0 : last - first;
      return {
        dialMs: sentAt - dialStart,
        sentAt,
        firstTokenAt: first,
        lastTokenAt: last,
        doneAt,
        ttftMs: first === null ? null : first - sentAt,
        tokensPerSecond: frameTimes.length >= 2 && span > 0 ? (after * 1000) / span : null,
        gapsMs: frameTimes.slice(1).map((t, i) => t - (frameTimes[i] as number)),
      };
    };
    const deadline = AbortSignal.timeout(body.timeoutMs);
    const signal = outer === undefined ? deadline : AbortSignal.any([deadline, outer]);
    const lp = lpStream(stream, { maxDataLength: MAX_TASK_FRAME_BYTES });
    const fail = (reason: string): TaskOutcome => {
      stream.abort(new Error(reason));
      return { kind: 'protocol_error', reason, tokens, timings: timings(this.now()) };
    };
    const ended = (error: unknown): TaskOutcome => {
      const at = this.now();
      stream.abort(error instanceof Error ? error : new Error(String(error)));
      if (outer?.aborted) return { kind: 'aborted', tokens, timings: timings(at) };
      if (deadline.aborted) return { kind: 'timeout', tokens, timings: timings(at) };
      if (isOversize(error)) return fail(`a frame is over ${MAX_TASK_FRAME_BYTES} bytes`);
      if (errorName(error) === 'UnexpectedEOFError') {
        return fail('the stream ended before a receipt');
      }
      return fail(`the stream failed: ${errorName(error) || String(error)}`);
    };

    try {
      await lp.write(bytes, { signal });
      await stream.close({ signal });
    } catch (error) {
      return ended(error);
    }

    let final: TaskFrame;
    for (;;) {
      let raw: Uint8Array;
      try {
        raw = (await lp.read({ signal })).subarray();
      } catch (error) {
        return ended(error);
      }
      const at = this.now();
      let frame: TaskFrame;
      try {
        frame = decodeTaskFrame(raw);
      } catch (error) {
        return fail(`bad frame: ${(error as Error).message}`);
      }
      if (frame.type !== 'tokens') {
        final = frame;
        break;
      }
      if (tokens.length + frame.tokens.length > body.maxTokens) {
        return fail(`more than maxTokens (${body.maxTokens}) tokens`);
      }
      for (const t of frame.tokens) tokens.push(t);
      frameTimes.push(at);
      frameSizes.push(frame.tokens.length);
      options.onTokens?.(frame.tokens);
    }
    const doneAt = this.now();

    // Exactly one final frame: the miner must end the stream after it.
    try {
      const extra = await lp.read({ signal: AbortSignal.timeout(END_WAIT_MS) });
      if (extra !== undefined) return fail('a frame after the final one');
    } catch (error) {
      if (errorName(error) !== 'UnexpectedEOFError') stream.abort(new Error('no end of stream'));
    }

    if (final.type === 'error') {
      return {
        kind: 'refused',
        code: final.code,
        message: final.message,
        tokens,
        timings: timings(doneAt),
      };
    }
    const problem = receiptProblem(this.o.chainId, request, final.receipt, tokens);
    if (problem !== null) {
      return { kind: 'protocol_error', reason: problem, tokens, timings: timings(doneAt) };
    }
    return {
      kind: 'ok',
      tokens,
      stop: final.receipt.receipt.stop,
      receipt: final.receipt,
      timings: timings(doneAt),
    };
  }
}

/** Null when the receipt is the miner's signed statement of exactly these tokens for this task. */
export function receiptProblem(
  chainId: string,
  request: SignedTaskRequest,
  signed: SignedTaskReceipt,
  tokens: readonly number[],
): string | null {
  const body = request.body;
  const r = signed.receipt;
  const same: Array<[string, Hex, Hex]> = [
    ['taskId', r.taskId, body.taskId],
    ['validator', r.validator, body.validator],
    ['miner', r.miner, body.miner],
    ['modelSha256', r.modelSha256, body.modelSha256],
    ['requestHash', r.requestHash, taskRequestHash(body)],
  ];
  for (const [what, got, want] of same) {
    if (got !== want) return `receipt ${what} is not the request's`;
  }
  if (r.tokenCount !== tokens.length) {
    return `receipt counts ${r.tokenCount} tokens, ${tokens.length} arrived`;
  }
  if (r.stop === 'maxTokens' && tokens.length !== body.maxTokens) {
    return 'receipt says maxTokens but fewer tokens arrived';
  }
  if (r.answerHash !== taskAnswerHash(body.taskId, tokens, r.stop)) {
    return 'receipt answerHash does not match the tokens received';
  }
  if (!verifyTaskReceipt(chainId, signed)) return 'receipt signature does not verify';
  return null;
}
