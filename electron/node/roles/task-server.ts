/**
 * The miner's side of the task protocol (task-protocol.ts, docs/task-protocol.md): reads one
 * signed request per stream, refuses it with a code unless every check passes, then generates
 * and streams each chunk of token ids the moment the generator hands it over (no batching, so
 * the validator's time-to-first-token is honest), and ends with a receipt signed by the miner's
 * hotkey.
 *
 * Checks, cheapest first and all before generating: frame size, canonical decode, body.miner is
 * us, the connection's peer is body.validator's own key (the encrypted channel proves the hotkey,
 * so a request forwarded by anyone else is refused), signature, validator permit, nonce (research
 * §5.6), model, per-validator rate. Accepted tasks run `concurrency` at a time; the rest wait in
 * a queue ordered by validator stake (higher first, then arrival), with a per-validator cap.
 *
 * Owns no model and no chain state: the generator, the permit lookup and the model hash come in
 * as functions (the roles service wires llama.cpp and the chain).
 */
import type { Connection, Stream } from '@libp2p/interface';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import type { Hex } from '../chain/crypto.ts';
import { fromHex } from '../chain/crypto.ts';
import { isNoesisError } from '../errors.ts';
import type { P2PHost } from '../p2p/host.ts';
import type { RateQuota } from '../p2p/protocols.ts';
import { RateLimiter } from '../p2p/rate-limit.ts';
import { peerIdFromPublicKey } from '../wallet/peer-id.ts';
import {
  buildTaskReceipt,
  decodeTaskRequest,
  encodeTaskFrame,
  MAX_TASK_FRAME_BYTES,
  MAX_TASK_TIMEOUT_MS,
  MAX_TOKEN_ID,
  NONCE_ALLOWED_DELTA_MS,
  signTaskReceipt,
  TASK_REFUSALS,
  taskProtocolId,
  TaskRefusal,
  verifyTaskRequest,
  type SignedTaskRequest,
  type TaskFrame,
  type TaskSigner,
  type TaskStop,
} from './task-protocol.ts';

export interface TaskGenerateRequest {
  prompt: number[];
  maxTokens: number;
}

export interface TaskGenerateResult {
  /** Every generated token id (the streamed ones first). */
  tokens: number[];
  stop: TaskStop;
}

/**
 * Generates greedily from `prompt`, calling `onTokens` with each new chunk as soon as it exists,
 * and stops when `signal` aborts (it may then reject).
 */
export type TaskGenerator = (
  request: TaskGenerateRequest,
  onTokens: (tokens: number[]) => void,
  signal: AbortSignal,
) => Promise<TaskGenerateResult>;
export type GenerateFn = TaskGenerator;

export interface ValidatorStanding {
  /** Holds a validator permit on the netuid (and whatever else the caller requires). */
  permit: boolean;
  /** Stake behind the hotkey, rao: orders the queue. */
  stake: bigint;
}

export interface TaskServerOptions {
  chainId: string;
  host: Pick<P2PHost, 'handle' | 'unhandle'>;
  /** The miner's hotkey (its libp2p peer id is what validators dial). */
  minerKey: TaskSigner;
  /** sha256 of the loaded GGUF, or null when no model is loaded. */
  modelSha256: () => Hex | null;
  isValidator: (hotkey: Hex, netuid: number) => ValidatorStanding | Promise<ValidatorStanding>;
  generate: TaskGenerator;
  /** Tasks generating at once (default 1). */
  concurrency?: number;
  /** Tasks waiting beyond the running ones (default 4). */
  queueLimit?: number;
  /** Tasks one validator may have running and waiting together (default 2). */
  perValidatorLimit?: number;
  /** Accepted tasks per validator per period (default 60 per minute). */
  perValidatorRate?: RateQuota;
  /** Longest wait for the request frame once the stream opens (default 5 s). */
  requestTimeoutMs?: number;
  /** Libp2p inbound streams per connection for this protocol (default 8). */
  maxInboundStreams?: number;
  /** Told each task that passed every check (before it waits for a slot). */
  onTask?: (validator: Hex, netuid: number) => void;
  /** Wall clock, ms since the epoch, for nonces (default Date.now). */
  now?: () => number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

export interface TaskServerStats {
  /** Tasks answered with a receipt. */
  served: number;
  /** Accepted tasks that ended without a receipt: validator gone, deadline passed, stopped. */
  failed: number;
  refused: Record<TaskRefusal, number>;
  /** Sum of `refused`. */
  refusedTotal: number;
  /** Token ids sent. */
  tokensOut: number;
  /** Wall-clock ms of the last receipt sent, null before the first. */
  lastTaskAt: number | null;
  running: number;
  waiting: number;
}

// ---------- the queue (pure: no I/O, tested on its own) ----------

export type Admission = 'run' | 'busy' | 'cancelled';

export interface QueueTicket {
  /** 'run' once a slot is free; 'busy' when evicted by a higher stake; 'cancelled' by release. */
  readonly ready: Promise<Admission>;
  /** Frees the slot (running) or leaves the queue (waiting); safe to call more than once. */
  release(): void;
}

export interface TaskQueueOptions {
  concurrency: number;
  queueLimit: number;
  perValidatorLimit: number;
}

interface Waiter {
  validator: string;
  stake: bigint;
  seq: number;
  state: 'waiting' | 'running' | 'done';
  resolve(admission: Admission): void;
}

/** Slots for generation: `concurrency` run, up to `queueLimit` wait ordered by stake. */
export class TaskQueue {
  private readonly options: TaskQueueOptions;
  private active = 0;
  private seq = 0;
  private readonly waiters: Waiter[] = [];
  private readonly perValidator = new Map<string, number>();

  constructor(options: TaskQueueOptions) {
    if (options.concurrency < 1) throw new RangeError('concurrency must be at least 1');
    this.options = options;
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** A ticket, or null when the task must be refused BUSY now. */
  admit(validator: string, stake: bigint): QueueTicket | null {
    if ((this.perValidator.get(validator) ?? 0) >= this.options.perValidatorLimit) return null;
    let resolve!: (a: Admission) => void;
    const ready = new Promise<Admission>((r) => (resolve = r));
    const w: Waiter = { validator, stake, seq: this.seq++, state: 'waiting', resolve };
    if (this.active < this.options.concurrency && this.waiters.length === 0) {
      this.start(w);
    } else {
      if (this.waiters.length >= this.options.queueLimit) {
        // Full: a higher stake takes the place of the lowest waiter, which hears BUSY.
        const last = this.waiters[this.waiters.length - 1];
        if (last === undefined || last.stake >= stake) return null;
        this.waiters.pop();
        this.finish(last, 'busy');
      }
      const at = this.waiters.findIndex((o) => o.stake < stake);
      this.waiters.splice(at < 0 ? this.waiters.length : at, 0, w);
    }
    this.perValidator.set(validator, (this.perValidator.get(validator) ?? 0) + 1);
    return { ready, release: () => this.release(w) };
  }

  private start(w: Waiter): void {
    w.state = 'running';
    this.active++;
    w.resolve('run');
  }

  private finish(w: Waiter, admission: Admission): void {
    w.state = 'done';
    const n = (this.perValidator.get(w.validator) ?? 1) - 1;
    if (n <= 0) this.perValidator.delete(w.validator);
    else this.perValidator.set(w.validator, n);
    w.resolve(admission);
  }

  private release(w: Waiter): void {
    if (w.state === 'waiting') {
      const i = this.waiters.indexOf(w);
      if (i >= 0) this.waiters.splice(i, 1);
      this.finish(w, 'cancelled');
    } else if (w.state === 'running') {
      this.active--;
      this.finish(w, 'cancelled');
      while (this.active < this.options.concurrency && this.waiters.length > 0) {
        this.start(this.waiters.shift() as Waiter);
      }
    }
  }
}

// ---------- the server ----------

const RATE_KEY = 'task';
const WRITE_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

type AbortReason = 'closed' | 'deadline' | 'stopped' | 'capped' | 'write_failed' | 'bad_tokens';

function isOversize(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError';
}

function validTokens(tokens: unknown): tokens is number[] {
  return (
    Array.isArray(tokens) &&
    tokens.every((t) => typeof t === 'number' && Number.isInteger(t) && t >= 0 && t <= MAX_TOKEN_ID)
  );
}

function startsWith(tokens: readonly number[], prefix: readonly number[]): boolean {
  if (prefix.length > tokens.length) return false;
  for (let i = 0; i < prefix.length; i++) if (tokens[i] !== prefix[i]) return false;
  return true;
}

/** Frames written in order without awaiting each one in the generator's callback. */
class FrameWriter {
  private chain: Promise<void> = Promise.resolve();
  failed = false;
  private readonly lp: LengthPrefixedStream<Stream>;
  private readonly onFail: () => void;

  constructor(lp: LengthPrefixedStream<Stream>, onFail: () => void) {
    this.lp = lp;
    this.onFail = onFail;
  }

  send(frame: TaskFrame): void {
    const bytes = encodeTaskFrame(frame);
    this.chain = this.chain.then(async () => {
      if (this.failed) return;
      try {
        await this.lp.write(bytes, { signal: AbortSignal.timeout(WRITE_TIMEOUT_MS) });
      } catch {
        this.failed = true;
        this.onFail();
      }
    });
  }

  flush(): Promise<void> {
    return this.chain;
  }
}

export class TaskServer {
  private readonly o: TaskServerOptions;
  private readonly queue: TaskQueue;
  private readonly rate: RateLimiter;
  private readonly lastNonce = new Map<Hex, number>();
  private readonly tasks = new Set<AbortController>();
  private readonly handlers = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly log: NonNullable<TaskServerOptions['log']>;
  private readonly protocol: string;
  private readonly peerId: string;
  private started = false;
  private counters = {
    served: 0,
    failed: 0,
    tokensOut: 0,
    lastTaskAt: null as number | null,
  };
  private readonly refused = Object.fromEntries(TASK_REFUSALS.map((c) => [c, 0])) as Record<
    TaskRefusal,
    number
  >;

  constructor(options: TaskServerOptions) {
    this.o = options;
    this.queue = new TaskQueue({
      concurrency: options.concurrency ?? 1,
      queueLimit: options.queueLimit ?? 4,
      perValidatorLimit: options.perValidatorLimit ?? 2,
    });
    this.now = options.now ?? (() => Date.now());
    this.rate = new RateLimiter(
      { [RATE_KEY]: options.perValidatorRate ?? { items: 60, periodMs: 60_000 } },
      { now: this.now },
    );
    this.log = options.log ?? (() => undefined);
    this.protocol = taskProtocolId(options.chainId);
    this.peerId = peerIdFromPublicKey(fromHex(options.minerKey.publicKey));
  }

  get protocolId(): string {
    return this.protocol;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.o.host.handle(
      this.protocol,
      (stream, connection) =>
        this.track(
          this.onStream(stream, connection).catch((error: unknown) => {
            this.log('task: handler failed', { error: String(error) });
            stream.abort(error instanceof Error ? error : new Error(String(error)));
          }),
        ),
      { maxInboundStreams: this.o.maxInboundStreams ?? 8, runOnLimitedConnection: true },
    );
    this.started = true;
  }

  /** Stops serving: unregisters the protocol, aborts every running and waiting task. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.o.host.unhandle(this.protocol).catch(() => undefined);
    for (const task of this.tasks) task.abort('stopped' satisfies AbortReason);
    // A generator that ignores its signal must not hold the node's shutdown forever.
    const grace = new Promise<void>((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([Promise.allSettled([...this.handlers]), grace]);
  }

  /** A snapshot for the UI. */
  get stats(): TaskServerStats {
    return {
      ...this.counters,
      refused: { ...this.refused },
      refusedTotal: Object.values(this.refused).reduce((a, b) => a + b, 0),
      running: this.queue.running,
      waiting: this.queue.waiting,
    };
  }

  private track(p: Promise<void>): Promise<void> {
    this.handlers.add(p);
    void p.finally(() => this.handlers.delete(p));
    return p;
  }

  private async refuse(
    stream: Stream,
    lp: LengthPrefixedStream<Stream>,
    code: TaskRefusal,
    message: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    this.refused[code]++;
    this.log('task: refused', { code, message, ...data });
    try {
      await lp.write(encodeTaskFrame({ type: 'error', code, message }), {
        signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
      });
      await stream.close({ signal: AbortSignal.timeout(WRITE_TIMEOUT_MS) });
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async onStream(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const lp = lpStream(stream, { maxDataLength: MAX_TASK_FRAME_BYTES });
    let raw: Uint8Array;
    try {
      raw = (
        await lp.read({ signal: AbortSignal.timeout(this.o.requestTimeoutMs ?? 5_000) })
      ).subarray();
    } catch (error) {
      if (isOversize(error)) {
        await this.refuse(stream, lp, TaskRefusal.TOO_LARGE, 'request frame over 64 KiB', {
          peer,
        });
      } else {
        stream.abort(error instanceof Error ? error : new Error(String(error)));
      }
      return;
    }
    let request: SignedTaskRequest;
    try {
      request = decodeTaskRequest(raw);
    } catch (error) {
      const refusal = isNoesisError(error) ? error.data.refusal : undefined;
      await this.refuse(
        stream,
        lp,
        refusal === TaskRefusal.TOO_LARGE ? TaskRefusal.TOO_LARGE : TaskRefusal.MALFORMED,
        (error as Error).message,
        { peer },
      );
      return;
    }
    const body = request.body;
    if (body.miner !== this.o.minerKey.publicKey) {
      await this.refuse(stream, lp, TaskRefusal.WRONG_MINER, 'this is not the miner asked', {
        peer,
      });
      return;
    }
    // The ed25519 peer id is the public key itself, and Noise proved the remote holds it.
    if (peerIdFromPublicKey(fromHex(body.validator)) !== peer) {
      await this.refuse(
        stream,
        lp,
        TaskRefusal.NOT_VALIDATOR,
        'the sending peer is not the validator that signed',
        { peer, validator: body.validator },
      );
      return;
    }
    if (!verifyTaskRequest(this.o.chainId, request)) {
      await this.refuse(stream, lp, TaskRefusal.BAD_SIGNATURE, 'signature does not verify', {
        peer,
      });
      return;
    }
    let standing: ValidatorStanding;
    try {
      standing = await this.o.isValidator(body.validator, body.netuid);
    } catch (error) {
      await this.refuse(stream, lp, TaskRefusal.INTERNAL, 'cannot look up the validator', {
        peer,
        error: String(error),
      });
      return;
    }
    if (!standing.permit) {
      await this.refuse(
        stream,
        lp,
        TaskRefusal.NOT_VALIDATOR,
        `no validator permit on netuid ${body.netuid}`,
        { peer, netuid: body.netuid },
      );
      return;
    }
    const stale = this.checkNonce(body.validator, body.nonce, body.timeoutMs);
    if (stale !== null) {
      await this.refuse(stream, lp, TaskRefusal.STALE_NONCE, stale, { peer, nonce: body.nonce });
      return;
    }
    const model = this.o.modelSha256();
    if (model === null || model !== body.modelSha256) {
      await this.refuse(
        stream,
        lp,
        TaskRefusal.WRONG_MODEL,
        model === null ? 'no model loaded' : 'another model is loaded',
        { peer, asked: body.modelSha256, loaded: model },
      );
      return;
    }
    if (!this.rate.allow(RATE_KEY, body.validator)) {
      await this.refuse(stream, lp, TaskRefusal.RATE_LIMITED, 'over the per-validator quota', {
        peer,
      });
      return;
    }
    this.o.onTask?.(body.validator, body.netuid);
    const ticket = this.queue.admit(body.validator, standing.stake);
    if (ticket === null) {
      await this.refuse(stream, lp, TaskRefusal.BUSY, 'queue full', { peer });
      return;
    }
    await this.runTask(stream, lp, request, ticket, peer);
  }

  /** Null when fresh (and then remembered), else why it is stale. */
  private checkNonce(validator: Hex, nonce: number, timeoutMs: number): string | null {
    const now = this.now();
    if (nonce > now + NONCE_ALLOWED_DELTA_MS) return 'nonce is in the future';
    if (nonce < now - NONCE_ALLOWED_DELTA_MS - timeoutMs) return 'nonce is too old';
    const last = this.lastNonce.get(validator);
    if (last !== undefined && nonce <= last) return 'nonce is not above the last one';
    this.lastNonce.set(validator, nonce);
    if (this.lastNonce.size > 1024) {
      // A nonce this old fails the age check anyway, so forgetting it admits no replay.
      const horizon = now - NONCE_ALLOWED_DELTA_MS - MAX_TASK_TIMEOUT_MS;
      for (const [v, n] of this.lastNonce) if (n < horizon) this.lastNonce.delete(v);
    }
    return null;
  }

  private async runTask(
    stream: Stream,
    lp: LengthPrefixedStream<Stream>,
    request: SignedTaskRequest,
    ticket: QueueTicket,
    peer: string,
  ): Promise<void> {
    const body = request.body;
    const controller = new AbortController();
    const reason = (): AbortReason | null =>
      controller.signal.aborted ? (controller.signal.reason as AbortReason) : null;
    this.tasks.add(controller);
    const onClose = () => controller.abort('closed' satisfies AbortReason);
    stream.addEventListener('close', onClose);
    const deadline = setTimeout(
      () => controller.abort('deadline' satisfies AbortReason),
      body.timeoutMs,
    );
    try {
      const aborted = new Promise<'aborted'>((resolve) => {
        if (controller.signal.aborted) resolve('aborted');
        controller.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
      });
      const admission = await Promise.race([ticket.ready, aborted]);
      if (admission === 'busy') {
        await this.refuse(stream, lp, TaskRefusal.BUSY, 'queue full', { peer });
        return;
      }
      if (admission !== 'run') {
        this.counters.failed++;
        stream.abort(new Error(`task ${String(reason())} while waiting`));
        return;
      }
      await this.generateAndStream(stream, lp, request, controller, peer);
    } finally {
      clearTimeout(deadline);
      stream.removeEventListener('close', onClose);
      ticket.release();
      this.tasks.delete(controller);
    }
  }

  private async generateAndStream(
    stream: Stream,
    lp: LengthPrefixedStream<Stream>,
    request: SignedTaskRequest,
    controller: AbortController,
    peer: string,
  ): Promise<void> {
    const body = request.body;
    const streamed: number[] = [];
    const writer = new FrameWriter(lp, () =>
      controller.abort('write_failed' satisfies AbortReason),
    );
    const send = (tokens: number[]) => {
      this.counters.tokensOut += tokens.length;
      writer.send({ type: 'tokens', tokens });
    };
    const onTokens = (tokens: number[]) => {
      if (controller.signal.aborted || !Array.isArray(tokens) || tokens.length === 0) return;
      if (!validTokens(tokens)) {
        controller.abort('bad_tokens' satisfies AbortReason);
        return;
      }
      const room = body.maxTokens - streamed.length;
      const chunk = tokens.length > room ? tokens.slice(0, room) : tokens.slice();
      if (chunk.length > 0) {
        streamed.push(...chunk);
        send(chunk);
      }
      // A generator running past maxTokens is cut there; the answer stops at 'maxTokens'.
      if (tokens.length > room) controller.abort('capped' satisfies AbortReason);
    };

    let result: TaskGenerateResult | null = null;
    let failure: unknown = null;
    try {
      result = await this.o.generate(
        { prompt: body.prompt.slice(), maxTokens: body.maxTokens },
        onTokens,
        controller.signal,
      );
    } catch (error) {
      failure = error;
    }

    const why = controller.signal.aborted ? (controller.signal.reason as AbortReason) : null;
    if (why === 'closed' || why === 'deadline' || why === 'stopped' || why === 'write_failed') {
      this.counters.failed++;
      this.log('task: ended without a receipt', { peer, why, taskId: body.taskId });
      stream.abort(new Error(`task ${why}`));
      return;
    }
    const internal = async (message: string, data: Record<string, unknown> = {}) => {
      await writer.flush();
      await this.refuse(stream, lp, TaskRefusal.INTERNAL, message, { peer, ...data });
    };
    if (why === 'bad_tokens') {
      await internal('the generator produced something that is not a token id');
      return;
    }
    let tokens: number[];
    let stop: TaskStop;
    if (why === 'capped') {
      tokens = streamed;
      stop = 'maxTokens';
    } else if (result === null) {
      await internal('generation failed', { error: String(failure) });
      return;
    } else {
      if (!validTokens(result.tokens) || (result.stop !== 'eos' && result.stop !== 'maxTokens')) {
        await internal('the generator returned a malformed result');
        return;
      }
      const over = result.tokens.length > body.maxTokens;
      tokens = over ? result.tokens.slice(0, body.maxTokens) : result.tokens;
      stop = over ? 'maxTokens' : result.stop;
      if (!startsWith(tokens, streamed)) {
        await internal('the generator returned other tokens than it streamed');
        return;
      }
      if (stop === 'maxTokens' && tokens.length !== body.maxTokens) {
        await internal('generation stopped before maxTokens without an end of sequence');
        return;
      }
      const rest = tokens.slice(streamed.length);
      if (rest.length > 0) send(rest);
    }

    const receipt = signTaskReceipt(
      this.o.chainId,
      buildTaskReceipt(body, tokens, stop),
      this.o.minerKey,
    );
    writer.send({ type: 'receipt', receipt });
    await writer.flush();
    if (writer.failed) {
      this.counters.failed++;
      stream.abort(new Error('write failed'));
      return;
    }
    this.counters.served++;
    this.counters.lastTaskAt = this.now();
    try {
      await stream.close({ signal: AbortSignal.timeout(WRITE_TIMEOUT_MS) });
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** This miner's peer id (derived from its hotkey), for logs and tests. */
  get minerPeerId(): string {
    return this.peerId;
  }
}
