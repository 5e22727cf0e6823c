/**
 * `InferenceEngine`: the node's handle on llama.cpp. llama.cpp runs in its own process
 * (`engine-worker.ts`), started through an `EngineLauncher`: `child_process.fork` under the CLI
 * and in tests, Electron's `utilityProcess` in the desktop app. A native crash (a model too big for
 * the GPU, a driver fault) kills that process only: pending requests fail with ENGINE_CRASHED, the
 * crash is remembered (`status().lastCrash`, the `crash` event), and the next request starts a fresh
 * process. `restart({ reload: true })` also reloads the last model unless the crash was its load.
 */
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { NoesisError, isNoesisError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type {
  ModelInspection,
  WorkerInit,
  WorkerMessage,
  WorkerRequest,
  WorkerResults,
} from './engine-protocol.ts';
import { InferenceErrorCode, inferenceError } from './errors.ts';
import { assertGgufFile } from './gguf-file.ts';
import type {
  CompletionRequest,
  CompletionResult,
  EmbeddingResult,
  EngineStatus,
  HardwareInfo,
  LoadedModel,
  LoadOptions,
  TokenGenerationRequest,
  TokenGenerationResult,
  TokenInfo,
  TokenScoreRequest,
  TokenScoreResult,
} from './types.ts';
import { tokenListProblem } from './verify.ts';

/** The process that hosts llama.cpp, whatever started it. */
export interface EngineProcess {
  readonly pid: number | null;
  send(message: WorkerRequest): void;
  onMessage(listener: (message: WorkerMessage) => void): void;
  onExit(listener: (exitCode: number | null, signal: string | null) => void): void;
  /** Last lines the process wrote to stderr, for crash reports. */
  stderrTail(): string;
  kill(): void;
}

export type EngineLauncher = () => EngineProcess;

export const WORKER_PATH = fileURLToPath(new URL('./engine-worker.ts', import.meta.url));

/** Starts the worker with `child_process.fork` (plain Node: the CLI, tests, benchmarks). */
export function forkLauncher(workerPath: string = WORKER_PATH): EngineLauncher {
  return () => {
    const child = fork(workerPath, [], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    });
    return {
      pid: child.pid ?? null,
      send: (message) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as WorkerMessage)),
      onExit: (listener) => child.on('exit', (code, signal) => listener(code, signal)),
      stderrTail: () => tail,
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}

export interface InferenceEngineOptions {
  launcher?: EngineLauncher;
  gpu?: WorkerInit['gpu'];
  logger?: Logger;
  /** How long the worker may take to start and load the native library. */
  startTimeoutMs?: number;
}

interface Pending {
  type: WorkerRequest['type'];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onTokens?: (text: string, tokens: number) => void;
  onTokenIds?: (tokens: number[]) => void;
}

export interface CompleteOptions {
  signal?: AbortSignal;
  onText?: (text: string) => void;
}

export class InferenceEngine extends EventEmitter<{
  status: [EngineStatus];
  crash: [NonNullable<EngineStatus['lastCrash']>];
}> {
  private readonly launcher: EngineLauncher;
  private readonly gpu: WorkerInit['gpu'];
  private readonly log: Logger | undefined;
  private readonly startTimeoutMs: number;
  private proc: EngineProcess | null = null;
  private starting: Promise<EngineProcess> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private state: EngineStatus['state'] = 'idle';
  private model: LoadedModel | null = null;
  private lastLoad: { path: string; options: LoadOptions } | null = null;
  private lastCrash: EngineStatus['lastCrash'] = null;
  private restarts = 0;
  private disposed = false;
  private gpuFallback: EngineStatus['gpuFallback'] = null;

  constructor(options: InferenceEngineOptions = {}) {
    super();
    this.launcher = options.launcher ?? forkLauncher();
    this.gpu = options.gpu ?? 'auto';
    this.log = options.logger?.child({ module: 'inference' });
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
  }

  status(): EngineStatus {
    return {
      state: this.state,
      model: this.model,
      pid: this.proc?.pid ?? null,
      lastCrash: this.lastCrash,
      restarts: this.restarts,
      gpuFallback: this.gpuFallback,
    };
  }

  /** The process id of the running worker, or null; for crash tests and diagnostics. */
  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  private setState(state: EngineStatus['state']): void {
    this.state = state;
    this.emit('status', this.status());
  }

  private ensureProcess(): Promise<EngineProcess> {
    if (this.disposed) {
      return Promise.reject(
        inferenceError(InferenceErrorCode.ENGINE_UNAVAILABLE, 'the engine was shut down'),
      );
    }
    if (this.proc) return Promise.resolve(this.proc);
    this.starting ??= this.launch().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async launch(): Promise<EngineProcess> {
    if (this.lastCrash) this.restarts++;
    this.setState('starting');
    const proc = this.launcher();
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill();
        reject(
          inferenceError(
            InferenceErrorCode.ENGINE_UNAVAILABLE,
            'the engine did not start in time',
            {
              cause: 'timeout',
            },
          ),
        );
      }, this.startTimeoutMs);
      proc.onMessage((message) => {
        if (message.kind === 'ready') {
          clearTimeout(timer);
          resolve();
        } else this.onMessage(message);
      });
      proc.onExit((exitCode, signal) => {
        clearTimeout(timer);
        reject(
          inferenceError(
            InferenceErrorCode.ENGINE_UNAVAILABLE,
            'the engine exited while starting',
            {
              cause: proc.stderrTail().slice(-500),
              exitCode,
              signal,
            },
          ),
        );
        this.onExit(proc, exitCode, signal);
      });
    });
    await ready;
    this.proc = proc;
    const gpu = this.effectiveGpu();
    await this.call(proc, { type: 'init', init: { gpu, logLevel: 'warn' } });
    this.log?.info({ pid: proc.pid, gpu }, 'inference engine started');
    this.setState('ready');
    return proc;
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.kind) {
      case 'result': {
        const p = this.pending.get(message.id);
        this.pending.delete(message.id);
        p?.resolve(message.result);
        return;
      }
      case 'error': {
        const p = this.pending.get(message.id);
        this.pending.delete(message.id);
        p?.reject(new NoesisError(message.error.code, message.error.message, message.error.data));
        return;
      }
      case 'tokens':
        this.pending.get(message.id)?.onTokens?.(message.text, message.tokens);
        return;
      case 'tokenIds':
        this.pending.get(message.id)?.onTokenIds?.(message.tokens);
        return;
      case 'log':
        this.log?.[message.level === 'debug' ? 'debug' : message.level](
          { engine: true },
          message.message,
        );
        return;
      case 'ready':
        return;
    }
  }

  private onExit(proc: EngineProcess, exitCode: number | null, signal: string | null): void {
    if (this.proc !== proc && this.proc !== null) return;
    this.proc = null;
    if (this.disposed) {
      this.setState('idle');
      return;
    }
    const types = [...this.pending.values()].map((p) => p.type);
    const during = types.includes('load')
      ? 'load'
      : types.some((t) => GENERATING.has(t))
        ? 'generate'
        : 'idle';
    const crash = {
      at: new Date().toISOString(),
      exitCode,
      signal,
      during: during as 'load' | 'generate' | 'idle',
      modelPath: during === 'load' ? (this.lastLoad?.path ?? null) : (this.model?.path ?? null),
    };
    this.lastCrash = crash;
    const error = inferenceError(
      InferenceErrorCode.ENGINE_CRASHED,
      `the inference engine stopped unexpectedly (${signal ?? `exit code ${exitCode}`}); the node is still running`,
      { exitCode, signal, during, stderr: proc.stderrTail().slice(-500) },
    );
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.model = null;
    this.log?.error({ exitCode, signal, during }, 'inference engine crashed');
    this.setState('crashed');
    this.emit('crash', crash);
  }

  private call<T extends WorkerRequest['type']>(
    proc: EngineProcess,
    request: RequestBody & { type: T },
    onTokens?: (text: string, tokens: number) => void,
    id: number = this.nextId++,
    onTokenIds?: (tokens: number[]) => void,
  ): Promise<WorkerResults[T]> {
    return new Promise<WorkerResults[T]>((resolve, reject) => {
      this.pending.set(id, {
        type: request.type,
        resolve: resolve as (v: unknown) => void,
        reject,
        ...(onTokens ? { onTokens } : {}),
        ...(onTokenIds ? { onTokenIds } : {}),
      });
      proc.send({ ...request, id } as WorkerRequest);
    });
  }

  private async request<T extends WorkerRequest['type']>(
    request: RequestBody & { type: T },
  ): Promise<WorkerResults[T]> {
    const proc = await this.ensureProcess();
    return this.call<T>(proc, request);
  }

  async hardware(): Promise<HardwareInfo> {
    return this.request({ type: 'hardware' });
  }

  /** llama.cpp's own estimate for a GGUF file: layers, GPU layers that fit, RAM and VRAM needed. */
  async inspect(path: string, contextSize = 4096): Promise<ModelInspection> {
    await assertGgufFile(path);
    return this.request({ type: 'inspect', path, contextSize });
  }

  /** The GPU setting the next engine process starts with: off after a GPU crash. */
  private effectiveGpu(): WorkerInit['gpu'] {
    return this.gpuFallback ? false : this.gpu;
  }

  /**
   * Loads a model. If the load crashes the engine while the GPU is in use (a GPU build that
   * sees the card but cannot run on it), the engine remembers it, switches to the CPU and loads
   * once more there, so the miner still works; `status().gpuFallback` says why.
   */
  async load(path: string, options: LoadOptions = {}): Promise<LoadedModel> {
    try {
      return await this.loadOnce(path, options);
    } catch (error) {
      const crashedOnGpu =
        isNoesisError(error, InferenceErrorCode.ENGINE_CRASHED) &&
        error.data.during === 'load' &&
        this.effectiveGpu() !== false &&
        options.gpuLayers !== 0;
      if (!crashedOnGpu) throw error;
      const stderr = typeof error.data.stderr === 'string' ? error.data.stderr : '';
      const cause = stderr
        .split('\n')
        .reverse()
        .find((line) => /error/i.test(line))
        ?.trim();
      this.gpuFallback = {
        at: new Date().toISOString(),
        reason: cause
          ? `the GPU build of llama.cpp failed on this GPU (${cause}); running on the CPU`
          : 'the GPU build of llama.cpp crashed on this GPU; running on the CPU',
      };
      this.log?.warn({ reason: this.gpuFallback.reason }, 'GPU failed, falling back to the CPU');
      this.emit('status', this.status());
      return this.loadOnce(path, options);
    }
  }

  private async loadOnce(path: string, options: LoadOptions): Promise<LoadedModel> {
    await assertGgufFile(path);
    const started = performance.now();
    this.lastLoad = { path, options };
    this.model = null;
    this.setState('loading');
    try {
      const loaded = await this.request({ type: 'load', path, options });
      this.model = { ...loaded, loadMs: Math.round(performance.now() - started) };
      this.log?.info(
        {
          path,
          gpuLayers: loaded.gpuLayers,
          totalLayers: loaded.totalLayers,
          backend: loaded.backend,
        },
        'model loaded',
      );
      this.setState('loaded');
      return this.model;
    } catch (error) {
      if (this.state === 'loading') this.setState(this.proc ? 'ready' : 'idle');
      throw error;
    }
  }

  async unload(): Promise<void> {
    this.lastLoad = null;
    if (!this.proc) {
      this.model = null;
      return;
    }
    await this.request({ type: 'unload' });
    this.model = null;
    this.setState('ready');
  }

  /**
   * Generates a completion, streaming text through `onText`. Aborting `signal` stops generation and
   * resolves with what was generated so far and `stopReason: 'cancelled'`. Timings are taken here,
   * in the node, so they include the process hop a caller really waits for.
   */
  async complete(
    request: CompletionRequest,
    options: CompleteOptions = {},
  ): Promise<CompletionResult> {
    if (!this.model) {
      throw inferenceError(
        InferenceErrorCode.NO_MODEL_LOADED,
        'no model is loaded; load one first',
      );
    }
    const proc = await this.ensureProcess();
    const id = this.nextId++;
    const started = performance.now();
    let first: number | null = null;
    let last = started;
    let streamed = 0;
    const onAbort = () => proc.send({ id: this.nextId++, type: 'cancel', target: id });
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await this.call(
        proc,
        { type: 'complete', request },
        (text, tokens) => {
          const now = performance.now();
          if (tokens > 0) {
            first ??= now;
            last = now;
            streamed += tokens;
          }
          if (text) options.onText?.(text);
        },
        id,
      );
      const totalMs = performance.now() - started;
      const decoded = result.completionTokens;
      return {
        text: result.text,
        promptTokens: result.promptTokens,
        completionTokens: decoded,
        ttftMs: first === null ? null : round(first - started),
        tokensPerSecond:
          first !== null && streamed > 1 && last > first
            ? round(((streamed - 1) * 1000) / (last - first))
            : null,
        totalMs: round(totalMs),
        stopReason: result.stopReason,
      };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async embed(text: string): Promise<EmbeddingResult> {
    if (!this.model) {
      throw inferenceError(
        InferenceErrorCode.NO_MODEL_LOADED,
        'no model is loaded; load one first',
      );
    }
    return this.request({ type: 'embed', text });
  }

  private requireModel(): void {
    if (!this.model) {
      throw inferenceError(
        InferenceErrorCode.NO_MODEL_LOADED,
        'no model is loaded; load one first',
      );
    }
  }

  /**
   * The model's tokens for `text`, exactly as `generateTokens` and `scoreTokens` take a prompt:
   * the BOS token first when the model adds one (the GGUF's `tokenizer.ggml.add_bos_token`, or
   * llama.cpp's default for the vocabulary type, as node-llama-cpp's `shouldPrependBosToken`
   * reports), then the text's tokens, never an EOS; '' gives just the BOS (or nothing). With
   * `specialTokens`, text such as `<s>` or `<|im_end|>` becomes that special token; without it
   * (the default) it is tokenized as literal text, so untrusted text cannot inject control tokens.
   */
  async tokenize(text: string, options: { specialTokens?: boolean } = {}): Promise<number[]> {
    this.requireModel();
    if (typeof text !== 'string') {
      throw inferenceError(InferenceErrorCode.BAD_TOKENS, 'tokenize: the text is not a string', {
        field: 'text',
      });
    }
    return this.request({ type: 'tokenize', text, specialTokens: options.specialTokens === true });
  }

  /** The text of `tokens` (special tokens such as BOS/EOS omitted unless `specialTokens`). */
  async detokenize(tokens: number[], options: { specialTokens?: boolean } = {}): Promise<string> {
    this.requireModel();
    assertTokenShape('tokens', tokens);
    return this.request({
      type: 'detokenize',
      tokens,
      specialTokens: options.specialTokens === true,
    });
  }

  /** Model facts the verifier needs: EOS, BOS, vocabulary size and every end-of-generation id. */
  async tokenInfo(): Promise<TokenInfo> {
    this.requireModel();
    return this.request({ type: 'tokenInfo' });
  }

  /**
   * Greedy generation from token ids (temperature 0, the loaded model's threads and batch size).
   * Streams each decode step's new ids through `onTokens`; stops at the first end-of-generation
   * token, which is not returned (stop 'eos'), or after maxTokens tokens (stop 'maxTokens').
   * Aborting `signal` rejects with INFERENCE_CANCELLED. Bad ids reject with INFERENCE_BAD_TOKENS
   * and a prompt + maxTokens + 1 beyond the context with INFERENCE_CONTEXT_OVERFLOW, before
   * llama.cpp sees them. Timings are taken here, in the node.
   */
  async generateTokens(
    request: TokenGenerationRequest,
    onTokens?: (tokens: number[]) => void,
    signal?: AbortSignal,
  ): Promise<TokenGenerationResult> {
    this.requireModel();
    assertTokenShape('prompt', request?.prompt);
    if (signal?.aborted) {
      throw inferenceError(InferenceErrorCode.CANCELLED, 'token generation was cancelled', {
        tokens: 0,
      });
    }
    const proc = await this.ensureProcess();
    const id = this.nextId++;
    const started = performance.now();
    let first: number | null = null;
    const onAbort = () => proc.send({ id: this.nextId++, type: 'cancel', target: id });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await this.call(
        proc,
        {
          type: 'generateTokens',
          request: { prompt: request.prompt, maxTokens: request.maxTokens },
        },
        undefined,
        id,
        (tokens) => {
          first ??= performance.now();
          onTokens?.(tokens);
        },
      );
      return {
        tokens: result.tokens,
        stop: result.stop,
        ttftMs: first === null ? null : round(first - started),
        totalMs: round(performance.now() - started),
      };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * One teacher-forced pass over prompt ++ answer (++ end-of-text when stop is 'eos'): for each
   * answer position, then the end-of-text position, the margin maxLogit - logit(claimed) in nats
   * (0 when the claimed token is the argmax; at the end-of-text position, the best
   * end-of-generation token's), the positions where an end-of-generation token was on top, and
   * with `logprobs` each claimed token's log-probability. `verify.ts` turns these into a verdict.
   */
  async scoreTokens(request: TokenScoreRequest): Promise<TokenScoreResult> {
    this.requireModel();
    assertTokenShape('prompt', request?.prompt);
    assertTokenShape('answer', request.answer);
    const started = performance.now();
    const result = await this.request({
      type: 'scoreTokens',
      request: {
        prompt: request.prompt,
        answer: request.answer,
        stop: request.stop,
        ...(request.logprobs ? { logprobs: true } : {}),
      },
    });
    return { ...result, ms: round(performance.now() - started) };
  }

  /**
   * Kills the worker and starts a fresh one. With `reload`, loads the last model again, unless the
   * last crash happened while loading it (that would only crash again).
   */
  async restart(options: { reload?: boolean } = {}): Promise<EngineStatus> {
    const reload =
      options.reload &&
      this.lastLoad &&
      !(this.lastCrash?.during === 'load' && this.lastCrash.modelPath === this.lastLoad.path)
        ? this.lastLoad
        : null;
    await this.stopProcess();
    this.restarts++;
    await this.ensureProcess();
    if (reload) await this.load(reload.path, reload.options);
    return this.status();
  }

  private async stopProcess(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    const exited = new Promise<void>((resolve) => proc.onExit(() => resolve()));
    for (const p of this.pending.values()) {
      p.reject(inferenceError(InferenceErrorCode.ENGINE_UNAVAILABLE, 'the engine was restarted'));
    }
    this.pending.clear();
    this.model = null;
    proc.kill();
    await exited;
    this.setState('idle');
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stopProcess();
  }
}

/** Requests that run the model over a sequence: a crash during one is a crash while generating. */
const GENERATING: ReadonlySet<WorkerRequest['type']> = new Set([
  'complete',
  'embed',
  'generateTokens',
  'scoreTokens',
]);

/** The node-side half of the token check: shape only (the worker knows the vocabulary size). */
function assertTokenShape(field: string, value: unknown): void {
  const problem = tokenListProblem(value, null);
  if (problem) {
    throw inferenceError(
      InferenceErrorCode.BAD_TOKENS,
      `${field}: token ${problem.index} is ${problem.reason}`,
      { field, ...problem },
    );
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type RequestBody = DistributiveOmit<WorkerRequest, 'id'>;

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
