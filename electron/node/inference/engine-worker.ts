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
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaModel,
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
import type { GpuKind, HardwareInfo, LoadOptions, StopReason } from './types.ts';

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
