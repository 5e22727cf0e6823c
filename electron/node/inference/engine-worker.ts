/**
 * The llama.cpp process. The only file of the node that imports node-llama-cpp: it loads the
 * native library, one model, its context and an embedding context, and answers the requests of
 * `engine.ts` over IPC (`process.send` under `child_process.fork`, `process.parentPort` under
 * Electron's `utilityProcess`). A native crash here kills this process only; the node notices the
 * exit, reports it and can start a fresh one.
 */
import os from 'node:os';
import {
  getLlama,
  getModuleVersion,
  GgufInsights,
  InsufficientMemoryError,
  LlamaChatSession,
  LlamaCompletion,
  LlamaLogLevel,
  readGgufFileInfo,
  TokenBias,
  type ControlledEvaluateIndexOutput,
  type ControlledEvaluateInputItem,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import type {
  ModelInspection,
  WorkerCompletion,
  WorkerInit,
  WorkerMessage,
  WorkerRequest,
  WorkerResults,
} from './engine-protocol.ts';
import { InferenceErrorCode } from './errors.ts';
import type {
  GpuKind,
  HardwareInfo,
  LoadOptions,
  StopReason,
  TokenGenerationRequest,
  TokenInfo,
  TokenScoreRequest,
} from './types.ts';
import { LOGPROB_FLOOR, MARGIN_CEILING, tokenListProblem } from './verify.ts';

class WorkerError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function post(message: WorkerMessage): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

function onRequest(listener: (request: WorkerRequest) => void): void {
  if (parentPort) parentPort.on('message', (event) => listener(event.data as WorkerRequest));
  else process.on('message', (message) => listener(message as WorkerRequest));
}

let init: WorkerInit = { gpu: 'auto', logLevel: 'warn' };
let llama: Llama | null = null;
let model: LlamaModel | null = null;
let context: LlamaContext | null = null;
let embeddingContext: LlamaEmbeddingContext | null = null;
let threads: number | undefined;
/** Token facts of the loaded model, computed once per load (the EOG scan walks the vocabulary). */
let tokenFacts: TokenInfo | null = null;
const running = new Map<number, AbortController>();

/**
 * The context's sequences, created once per load and reused: a request takes a free one or waits
 * for one; the history is cleared before it goes back, so requests never see each other's tokens.
 */
class SequencePool {
  private readonly free: LlamaContextSequence[];
  private readonly waiters: Array<(sequence: LlamaContextSequence) => void> = [];
  constructor(sequences: LlamaContextSequence[]) {
    this.free = sequences;
  }
  async acquire(): Promise<LlamaContextSequence> {
    const sequence = this.free.pop();
    if (sequence) return sequence;
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  async release(sequence: LlamaContextSequence): Promise<void> {
    await sequence.clearHistory();
    const next = this.waiters.shift();
    if (next) next(sequence);
    else this.free.push(sequence);
  }
}
let pool: SequencePool | null = null;

const logLevels: Record<WorkerInit['logLevel'], LlamaLogLevel> = {
  error: LlamaLogLevel.error,
  warn: LlamaLogLevel.warn,
  info: LlamaLogLevel.info,
  debug: LlamaLogLevel.debug,
};

async function ensureLlama(): Promise<Llama> {
  if (llama) return llama;
  llama = await getLlama({
    gpu: init.gpu,
    build: 'never',
    logLevel: logLevels[init.logLevel],
    logger: (level, message) => {
      const text = message.trim();
      if (!text) return;
      const mapped =
        level === LlamaLogLevel.error || level === LlamaLogLevel.fatal
          ? 'error'
          : level === LlamaLogLevel.warn
            ? 'warn'
            : level === LlamaLogLevel.info
              ? 'info'
              : 'debug';
      post({ kind: 'log', level: mapped, message: text });
    },
  });
  return llama;
}

function gpuKind(l: Llama): GpuKind {
  return l.gpu === false ? 'none' : l.gpu;
}

async function hardware(): Promise<HardwareInfo> {
  const l = await ensureLlama();
  const kind = gpuKind(l);
  const vram = kind === 'none' ? null : await l.getVramState();
  const devices = kind === 'none' ? [] : await l.getGpuDeviceNames();
  const cpus = os.cpus();
  return {
    cpu: {
      model: cpus[0]?.model.trim() ?? 'unknown',
      threads: cpus.length,
      mathCores: l.cpuMathCores,
    },
    ram: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    gpu: {
      kind,
      devices,
      vramTotalBytes: vram?.total ?? 0,
      vramFreeBytes: vram?.free ?? 0,
      unified: (vram?.unifiedSize ?? 0) > 0,
      reason: kind !== 'none' ? null : init.gpu === false ? 'disabled' : 'no-backend',
    },
    engine: {
      library: 'llama.cpp (node-llama-cpp)',
      version: await getModuleVersion(),
      supportsGpuOffloading: l.supportsGpuOffloading,
    },
  };
}

async function inspect(path: string, contextSize: number): Promise<ModelInspection> {
  const l = await ensureLlama();
  const info = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
  const insights = await GgufInsights.from(info, l);
  const scored = await insights.configurationResolver.resolveAndScoreConfig({
    targetContextSize: Math.min(contextSize, insights.trainContextSize ?? contextSize),
  });
  const general = info.metadata.general as { name?: string; architecture?: string } | undefined;
  return {
    name: general?.name ?? null,
    architecture: general?.architecture ?? null,
    totalLayers: insights.totalLayers,
    trainContextSize: insights.trainContextSize ?? null,
    fits: scored.compatibilityScore > 0,
    gpuLayers: scored.resolvedValues.gpuLayers,
    contextSize: scored.resolvedValues.contextSize,
    ramBytes: scored.resolvedValues.totalRamUsage,
    vramBytes: scored.resolvedValues.totalVramUsage,
  };
}

async function unload(): Promise<void> {
  for (const controller of running.values()) controller.abort();
  await embeddingContext?.dispose();
  embeddingContext = null;
  pool = null;
  tokenFacts = null;
  await context?.dispose();
  context = null;
  await model?.dispose();
  model = null;
}

async function load(path: string, options: LoadOptions): Promise<WorkerResults['load']> {
  const l = await ensureLlama();
  await unload();
  const contextSize = options.contextSize ?? 4096;
  const sequences = options.sequences ?? 1;
  threads = options.threads;
  const check = await inspect(path, contextSize);
  if (!check.fits && options.gpuLayers === undefined) {
    const ram = await l.getRamState();
    const vram = await l.getVramState();
    throw new WorkerError(
      InferenceErrorCode.MODEL_DOES_NOT_FIT,
      'this model does not fit in the memory of this computer; choose a smaller model or quantization',
      {
        ramNeededBytes: check.ramBytes,
        ramFreeBytes: ram.free,
        vramNeededBytes: check.vramBytes,
        vramFreeBytes: vram.free,
      },
    );
  }
  try {
    model = await l.loadModel({ modelPath: path, gpuLayers: options.gpuLayers ?? 'auto' });
    context = await model.createContext({
      contextSize: Math.min(contextSize, check.trainContextSize ?? contextSize),
      sequences,
      ...(threads !== undefined ? { threads } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    });
  } catch (error) {
    await unload();
    if (error instanceof InsufficientMemoryError) {
      throw new WorkerError(InferenceErrorCode.MODEL_DOES_NOT_FIT, error.message, {
        ramNeededBytes: check.ramBytes,
        vramNeededBytes: check.vramBytes,
      });
    }
    throw new WorkerError(InferenceErrorCode.LOAD_FAILED, `llama.cpp could not load ${path}`, {
      path,
      cause: error instanceof Error ? error.message : String(error),
    });
  }
  pool = new SequencePool(Array.from({ length: sequences }, () => context!.getSequence()));
  const gpuLayers = model.gpuLayers;
  const simulatedFault = process.env.NOESIS_SIMULATE_GPU_FAULT === '1' && init.gpu !== false;
  if (gpuLayers > 0 || simulatedFault) await gpuWarmUp(model);
  const totalLayers = check.totalLayers;
  return {
    path,
    name: check.name,
    gpuLayers,
    totalLayers,
    device: gpuLayers === 0 ? 'cpu' : gpuLayers >= totalLayers ? 'gpu' : 'gpu+cpu',
    backend: gpuKind(l),
    contextSize: context.contextSize,
    sequences,
  };
}

/**
 * Runs the model's kernels once on the GPU before the load counts as done. A GPU build that
 * detects the card but cannot run on it (seen on an H100 with driver 580: node-llama-cpp's
 * prebuilt CUDA kernels abort with "the provided PTX was compiled with an unsupported
 * toolchain") then fails here, during the load, where the engine falls back to the CPU, instead
 * of at a miner's first task. `NOESIS_SIMULATE_GPU_FAULT=1` aborts here on purpose so tests on
 * machines without a GPU can exercise that fallback.
 */
async function gpuWarmUp(loaded: LlamaModel): Promise<void> {
  if (process.env.NOESIS_SIMULATE_GPU_FAULT === '1') {
    process.stderr.write('simulated GPU fault: CUDA error during warm-up\n');
    process.abort();
  }
  const sequence = await pool!.acquire();
  try {
    await sequence.evaluateWithoutGeneratingNewTokens(loaded.tokenize('Hello'));
  } finally {
    await pool!.release(sequence);
  }
}

function mapStop(reason: string): StopReason {
  if (reason === 'abort') return 'cancelled';
  if (reason === 'maxTokens') return 'maxTokens';
  if (reason === 'eogToken') return 'eos';
  return 'stop';
}

async function complete(
  id: number,
  request: Extract<WorkerRequest, { type: 'complete' }>['request'],
): Promise<WorkerCompletion> {
  if (!model || !context || !pool) {
    throw new WorkerError(InferenceErrorCode.NO_MODEL_LOADED, 'no model is loaded');
  }
  const controller = new AbortController();
  running.set(id, controller);
  const owner = pool;
  const sequence = await owner.acquire();
  let completionTokens = 0;
  let pendingText = '';
  let pendingTokens = 0;
  let flushScheduled = false;
  // One IPC message per decode step: tokens and their text arrive in the same tick.
  const flush = () => {
    flushScheduled = false;
    if (pendingTokens === 0 && pendingText === '') return;
    post({ kind: 'tokens', id, text: pendingText, tokens: pendingTokens });
    pendingText = '';
    pendingTokens = 0;
  };
  const schedule = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  };
  const callbacks = {
    onToken: (tokens: readonly unknown[]) => {
      completionTokens += tokens.length;
      pendingTokens += tokens.length;
      schedule();
    },
    onTextChunk: (text: string) => {
      pendingText += text;
      schedule();
    },
    signal: controller.signal,
    stopOnAbortSignal: true,
    maxTokens: request.maxTokens ?? 256,
    temperature: request.temperature ?? 0,
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
  };
  try {
    if (controller.signal.aborted) {
      return { text: '', promptTokens: 0, completionTokens: 0, stopReason: 'cancelled' };
    }
    const before = sequence.tokenMeter.getState();
    let text: string;
    let stopReason: StopReason;
    if (request.chat) {
      const session = new LlamaChatSession({ contextSequence: sequence });
      const result = await session.promptWithMeta(request.prompt, callbacks);
      text = result.responseText;
      stopReason = mapStop(result.stopReason);
      session.dispose({ disposeSequence: false });
    } else {
      const completion = new LlamaCompletion({ contextSequence: sequence });
      const result = await completion.generateCompletionWithMeta(request.prompt, callbacks);
      text = result.response;
      stopReason = mapStop(result.metadata.stopReason);
      completion.dispose({ disposeSequence: false });
    }
    flush();
    const after = sequence.tokenMeter.getState();
    return {
      text,
      promptTokens: Math.max(0, after.usedInputTokens - before.usedInputTokens),
      // onToken holds back tokens that end inside a UTF-8 sequence; the meter counts every one.
      completionTokens: Math.max(
        completionTokens,
        Math.min(after.usedOutputTokens - before.usedOutputTokens, request.maxTokens ?? 256),
      ),
      stopReason: controller.signal.aborted ? 'cancelled' : stopReason,
    };
  } catch (error) {
    throw new WorkerError(InferenceErrorCode.GENERATION_FAILED, 'generation failed', {
      cause: error instanceof Error ? error.message : String(error),
    });
  } finally {
    running.delete(id);
    if (pool === owner) await owner.release(sequence).catch(() => undefined);
  }
}

async function embed(text: string): Promise<WorkerResults['embed']> {
  if (!model) throw new WorkerError(InferenceErrorCode.NO_MODEL_LOADED, 'no model is loaded');
  embeddingContext ??= await model.createEmbeddingContext({
    contextSize: Math.min(2048, model.trainContextSize),
    ...(threads !== undefined ? { threads } : {}),
  });
  const embedding = await embeddingContext.getEmbeddingFor(text);
  return { vector: [...embedding.vector], tokens: model.tokenize(text).length };
}

function loadedModel(): { model: LlamaModel; context: LlamaContext; pool: SequencePool } {
  if (!model || !context || !pool) {
    throw new WorkerError(InferenceErrorCode.NO_MODEL_LOADED, 'no model is loaded');
  }
  return { model, context, pool };
}

function facts(m: LlamaModel): TokenInfo {
  if (tokenFacts) return tokenFacts;
  // node-llama-cpp reads the whole vocabulary from the GGUF header; llama.cpp's own count is not
  // exposed, and the two agree for every file llama.cpp loads.
  const tokens = (m.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: unknown } } }).tokenizer
    ?.ggml?.tokens;
  const vocabSize = Array.isArray(tokens) ? tokens.length : 0;
  const eog: number[] = [];
  for (let t = 0; t < vocabSize; t++) if (m.isEogToken(t as Token)) eog.push(t);
  tokenFacts = { eos: m.tokens.eos, bos: m.tokens.bos, vocabSize, eog };
  return tokenFacts;
}

/** Refuses ids llama.cpp would abort on (an out-of-range id kills the process in detokenize). */
function checkTokens(field: string, value: unknown, vocabSize: number, minLength = 0): number[] {
  const problem = tokenListProblem(value, vocabSize);
  if (problem) {
    throw new WorkerError(
      InferenceErrorCode.BAD_TOKENS,
      `${field}: token ${problem.index} is ${problem.reason}`,
      { field, ...problem, vocabSize },
    );
  }
  const tokens = value as number[];
  if (tokens.length < minLength) {
    throw new WorkerError(
      InferenceErrorCode.BAD_TOKENS,
      `${field}: needs at least ${minLength} token(s)`,
      { field, index: -1, token: null, reason: 'too short', vocabSize },
    );
  }
  return tokens;
}

function checkFits(needed: number, sequence: { contextSize: number }): void {
  // Past the context llama.cpp would shift it (drop early tokens), which changes every logit
  // after; a task that does not fit is refused instead.
  if (needed > sequence.contextSize) {
    throw new WorkerError(
      InferenceErrorCode.CONTEXT_OVERFLOW,
      `${needed} tokens do not fit the context of ${sequence.contextSize}`,
      { needed, contextSize: sequence.contextSize },
    );
  }
}

function tokenize(text: unknown, specialTokens: boolean): number[] {
  const { model: m } = loadedModel();
  if (typeof text !== 'string') {
    throw new WorkerError(InferenceErrorCode.BAD_TOKENS, 'tokenize: the text is not a string', {
      field: 'text',
    });
  }
  const body = Array.from(m.tokenize(text, specialTokens));
  const bos = m.tokens.bos;
  return m.tokens.shouldPrependBosToken && bos !== null ? [bos, ...body] : body;
}

function detokenize(tokens: unknown, specialTokens: boolean): string {
  const { model: m } = loadedModel();
  return m.detokenize(checkTokens('tokens', tokens, facts(m).vocabSize) as Token[], specialTokens);
}

/**
 * Greedy generation from token ids. Sampling is node-llama-cpp's greedy sampler (temperature 0,
 * no penalties, no bias), the same argmax `scoreTokens` compares against; the context's threads
 * and batch size are the loaded model's. Stops at the first end-of-generation token (not
 * returned) or after maxTokens tokens. Token ids stream to the node once per decode step.
 */
async function generateTokens(
  id: number,
  request: TokenGenerationRequest,
): Promise<WorkerResults['generateTokens']> {
  const loaded = loadedModel();
  const { vocabSize } = facts(loaded.model);
  const prompt = checkTokens('prompt', request?.prompt, vocabSize, 1);
  const maxTokens = request.maxTokens;
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    throw new WorkerError(InferenceErrorCode.BAD_TOKENS, 'maxTokens must be a positive integer', {
      field: 'maxTokens',
      index: -1,
      token: maxTokens ?? null,
      reason: 'not a positive integer',
      vocabSize,
    });
  }
  const controller = new AbortController();
  running.set(id, controller);
  const owner = loaded.pool;
  const sequence = await owner.acquire();
  const tokens: number[] = [];
  let pending: number[] = [];
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    if (pending.length === 0) return;
    post({ kind: 'tokenIds', id, tokens: pending });
    pending = [];
  };
  try {
    checkFits(prompt.length + maxTokens + 1, sequence);
    let stop: 'eos' | 'maxTokens' = 'maxTokens';
    if (!controller.signal.aborted) {
      for await (const token of sequence.evaluate(prompt as Token[], {
        temperature: 0,
        yieldEogToken: true,
      })) {
        if (controller.signal.aborted) break;
        if (loaded.model.isEogToken(token)) {
          stop = 'eos';
          break;
        }
        tokens.push(token);
        pending.push(token);
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
        if (tokens.length >= maxTokens) break;
      }
    }
    flush();
    if (controller.signal.aborted) {
      throw new WorkerError(InferenceErrorCode.CANCELLED, 'token generation was cancelled', {
        tokens: tokens.length,
      });
    }
    return { tokens, stop };
  } catch (error) {
    if (error instanceof WorkerError) throw error;
    throw new WorkerError(InferenceErrorCode.GENERATION_FAILED, 'generation failed', {
      cause: error instanceof Error ? error.message : String(error),
    });
  } finally {
    running.delete(id);
    if (pool === owner) await owner.release(sequence).catch(() => undefined);
  }
}

/**
 * How far above the claimed token's logit the scoring sampler lifts it. With it, the top two
 * tokens after the lift are the claimed one and the best other one, so a top-2 sampler returns
 * exactly the pair a margin needs in O(1) data instead of the whole vocabulary (node-llama-cpp
 * 3.21 has no logit filter; 3.22's `logits.filter` has no macOS or Windows builds). 40 keeps
 * exp(-40 + margin) a normal float32, so margins below the lift stay exact to ~1e-5 nats.
 */
const SCORE_LIFT = 40;

function clampMargin(value: number): number {
  if (!(value > 0)) return 0;
  return Math.min(value, MARGIN_CEILING);
}

/**
 * Teacher-forced scoring: one controlledEvaluate over prompt ++ answer (the last answer token is
 * left out when stop is 'maxTokens', since nothing is judged after it). Each judged position
 * samples with the claimed token lifted by SCORE_LIFT and top-k 2; the returned pair gives
 * margin = max(0, ln(p_other / p_claimed) + SCORE_LIFT) = max(0, maxLogit - logit(claimed)).
 * Positions where the claim is an end-of-generation token (node-llama-cpp ignores biases on
 * those), and every position when logprobs are asked, take the full distribution instead
 * (O(vocabulary) each). At the end-of-text position the claim is the best EOG token.
 */
async function scoreTokens(request: TokenScoreRequest): Promise<WorkerResults['scoreTokens']> {
  const loaded = loadedModel();
  const m = loaded.model;
  const info = facts(m);
  const prompt = checkTokens('prompt', request?.prompt, info.vocabSize, 1);
  const answer = checkTokens('answer', request.answer, info.vocabSize, 1);
  const stop = request.stop;
  if (stop !== 'eos' && stop !== 'maxTokens') {
    throw new WorkerError(InferenceErrorCode.BAD_TOKENS, "stop must be 'eos' or 'maxTokens'", {
      field: 'stop',
      index: -1,
      token: null,
      reason: 'unknown stop',
      vocabSize: info.vocabSize,
    });
  }
  if (stop === 'eos' && info.eog.length === 0) {
    throw new WorkerError(InferenceErrorCode.BAD_TOKENS, 'this model has no end-of-text token', {
      field: 'stop',
      index: -1,
      token: null,
      reason: 'no end-of-generation token',
      vocabSize: info.vocabSize,
    });
  }
  const withLogprobs = request.logprobs === true;
  const eogSet = new Set(info.eog);
  // claims[k] is what position k must predict; null at the end-of-text position (any EOG).
  const claims: Array<number | null> = stop === 'eos' ? [...answer, null] : [...answer];
  const input = stop === 'eos' ? [...prompt, ...answer] : [...prompt, ...answer.slice(0, -1)];
  const first = prompt.length - 1;
  const full = (claim: number | null) => withLogprobs || claim === null || eogSet.has(claim);
  const items: ControlledEvaluateInputItem[] = input.map((id, i) => {
    const token = id as Token;
    const k = i - first;
    if (k < 0) return token;
    const claim = claims[k]!;
    if (full(claim)) return [token, { generateNext: { probabilities: true } }];
    return [
      token,
      {
        generateNext: {
          probabilities: true,
          options: {
            temperature: 1,
            topK: 2,
            topP: 1,
            minP: 0,
            seed: 0,
            tokenBias: new TokenBias(m.tokenizer).set(claim as Token, { logit: SCORE_LIFT }),
          },
        },
      },
    ];
  });
  const owner = loaded.pool;
  const sequence = await owner.acquire();
  try {
    checkFits(input.length + 1, sequence);
    let results: Array<ControlledEvaluateIndexOutput | undefined>;
    try {
      results = await sequence.controlledEvaluate(items);
    } catch (error) {
      throw new WorkerError(InferenceErrorCode.GENERATION_FAILED, 'scoring failed', {
        cause: error instanceof Error ? error.message : String(error),
      });
    }
    const margins: number[] = [];
    const logprobs: number[] = [];
    const eogTop: number[] = [];
    for (let k = 0; k < claims.length; k++) {
      const claim = claims[k]!;
      const probabilities = results[first + k]?.next.probabilities;
      if (!probabilities || probabilities.size === 0) {
        throw new WorkerError(InferenceErrorCode.GENERATION_FAILED, 'scoring returned no logits', {
          position: k,
        });
      }
      if (full(claim)) {
        // Sorted by probability, highest first.
        const [top, pTop] = probabilities.entries().next().value!;
        let pClaim = 0;
        if (claim === null) {
          for (const [token, p] of probabilities) {
            if (eogSet.has(token)) {
              pClaim = p;
              break;
            }
          }
        } else pClaim = probabilities.get(claim as Token) ?? 0;
        margins.push(clampMargin(Math.log(pTop) - Math.log(pClaim)));
        logprobs.push(Math.max(LOGPROB_FLOOR, Math.log(pClaim)));
        if (claim !== null && top !== claim && eogSet.has(top) && pTop > pClaim) eogTop.push(k);
      } else {
        let pClaim = 0;
        let other = -1;
        let pOther = 0;
        for (const [token, p] of probabilities) {
          if (token === claim) pClaim = p;
          else if (p >= pOther) {
            other = token;
            pOther = p;
          }
        }
        // Claimed missing from the top two: two other tokens beat it by more than the lift.
        const margin =
          pClaim > 0 ? clampMargin(Math.log(pOther / pClaim) + SCORE_LIFT) : MARGIN_CEILING;
        margins.push(margin);
        if (margin > 0 && eogSet.has(other)) eogTop.push(k);
      }
    }
    return { margins, logprobs: withLogprobs ? logprobs : null, eogTop };
  } finally {
    if (pool === owner) await owner.release(sequence).catch(() => undefined);
  }
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    case 'init':
      init = request.init;
      await ensureLlama();
      return { ok: true };
    case 'hardware':
      return hardware();
    case 'inspect':
      return inspect(request.path, request.contextSize);
    case 'load':
      return load(request.path, request.options);
    case 'unload':
      await unload();
      return { ok: true };
    case 'complete':
      return complete(request.id, request.request);
    case 'cancel': {
      const controller = running.get(request.target);
      controller?.abort();
      return { ok: controller !== undefined };
    }
    case 'embed':
      return embed(request.text);
    case 'tokenize':
      return tokenize(request.text, request.specialTokens === true);
    case 'detokenize':
      return detokenize(request.tokens, request.specialTokens === true);
    case 'tokenInfo':
      return facts(loadedModel().model);
    case 'generateTokens':
      return generateTokens(request.id, request.request);
    case 'scoreTokens':
      return scoreTokens(request.request);
  }
}

onRequest((request) => {
  handle(request).then(
    (result) => post({ kind: 'result', id: request.id, result }),
    (error: unknown) => {
      const e =
        error instanceof WorkerError
          ? error
          : new WorkerError(
              InferenceErrorCode.GENERATION_FAILED,
              error instanceof Error ? error.message : String(error),
            );
      post({
        kind: 'error',
        id: request.id,
        error: { code: e.code, message: e.message, data: e.data },
      });
    },
  );
});

// The node going away (its IPC channel closing) ends this process too; no orphan keeps a model in RAM.
process.on('disconnect', () => process.exit(0));
post({ kind: 'ready' });
