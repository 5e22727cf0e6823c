/**
 * The public surface of `inference/`: plain data that the API, the CLI and the UI see. Nothing here
 * names node-llama-cpp; the engine worker is the only file that imports it.
 */

export type GpuKind = 'cuda' | 'vulkan' | 'metal' | 'none';

export interface HardwareInfo {
  cpu: { model: string; threads: number; mathCores: number | null };
  ram: { totalBytes: number; freeBytes: number };
  gpu: {
    /** The backend llama.cpp actually loaded; 'none' means every layer runs on the CPU. */
    kind: GpuKind;
    devices: string[];
    vramTotalBytes: number;
    vramFreeBytes: number;
    /** True on unified-memory machines (Apple silicon), where VRAM and RAM are the same pool. */
    unified: boolean;
    /** Why there is no GPU, in a code the UI translates: 'disabled', 'no-backend', or null. */
    reason: 'disabled' | 'no-backend' | null;
  };
  engine: { library: string; version: string; supportsGpuOffloading: boolean };
}

export type FitDevice = 'gpu' | 'gpu+cpu' | 'cpu';

export interface ModelFit {
  fits: boolean;
  /** Where it would run: fully on the GPU, split, or on the CPU; null when it does not fit. */
  device: FitDevice | null;
  gpuLayers: number;
  totalLayers: number;
  /** Why it does not fit ('ram'), or null. */
  reason: 'ram' | null;
  /** Whether this comes from llama.cpp's own estimate of the file ('engine') or the catalogue figures. */
  source: 'engine' | 'catalog';
}

export type DownloadState =
  'queued' | 'downloading' | 'paused' | 'verifying' | 'done' | 'failed' | 'cancelled';

export interface DownloadProgress {
  id: string;
  modelId: string | null;
  fileName: string;
  url: string;
  state: DownloadState;
  receivedBytes: number;
  totalBytes: number | null;
  percent: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
  /** Bytes already on disk when this run started (resume), and the percent they made. */
  resumedFromBytes: number;
  resumedAtPercent: number | null;
  /** Retries so far in this run. */
  attempt: number;
  /** Where the expected SHA-256 comes from: the catalogue, the server's header, or none known. */
  sha256Source: 'catalog' | 'server' | 'user' | 'none';
  error: { code: string; message: string } | null;
  /** Installed path once done. */
  path: string | null;
}

export interface InstalledModel {
  id: string;
  fileName: string;
  path: string;
  sizeBytes: number;
  sha256: string | null;
  /** How the file was checked: full SHA-256 against a known value, or size + GGUF header only. */
  verifiedBy: 'sha256' | 'size+gguf' | 'gguf';
  catalogId: string | null;
  source: 'catalog' | 'url' | 'file';
  url: string | null;
  addedAt: string;
}

export interface LoadOptions {
  /** 'auto' lets llama.cpp offload as many layers as fit; a number forces that many. */
  gpuLayers?: 'auto' | number;
  contextSize?: number;
  /** Sequences that can generate at once; further requests wait. */
  sequences?: number;
  threads?: number;
  /**
   * Tokens llama.cpp decodes in one batch (node-llama-cpp's default: the context size). Changes
   * logits by rounding noise only; the verification calibration tries 1, 8 and 512.
   */
  batchSize?: number;
}

export interface LoadedModel {
  path: string;
  name: string | null;
  gpuLayers: number;
  totalLayers: number;
  device: FitDevice;
  backend: GpuKind;
  contextSize: number;
  sequences: number;
  loadMs: number;
}

export interface CompletionRequest {
  prompt: string;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  /** Apply the model's chat template to the prompt (one user message) instead of raw completion. */
  chat?: boolean;
}

export type StopReason = 'eos' | 'maxTokens' | 'cancelled' | 'stop';

export interface CompletionResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** Milliseconds from the request to the first streamed token, measured in the node. */
  ttftMs: number | null;
  /** Generated tokens per second after the first one (decode speed). */
  tokensPerSecond: number | null;
  totalMs: number;
  stopReason: StopReason;
}

export interface EmbeddingResult {
  vector: number[];
  tokens: number;
}

export type EngineState = 'idle' | 'starting' | 'ready' | 'loading' | 'loaded' | 'crashed';

export interface EngineStatus {
  state: EngineState;
  model: LoadedModel | null;
  pid: number | null;
  lastCrash: {
    at: string;
    exitCode: number | null;
    signal: string | null;
    during: 'load' | 'generate' | 'idle';
    modelPath: string | null;
  } | null;
  restarts: number;
  /**
   * Set when a load crashed the engine while the GPU was in use: the engine then runs on the
   * CPU for as long as the app runs, and says why in plain words.
   */
  gpuFallback: { at: string; reason: string } | null;
}

/** The loaded model's token facts a verifier needs. */
export interface TokenInfo {
  /** The end-of-sequence token, or null when the model has none. */
  eos: number | null;
  /** The beginning-of-sequence token, or null when the model has none. */
  bos: number | null;
  /** Every valid token id is in [0, vocabSize). */
  vocabSize: number;
  /**
   * Every end-of-generation token (EOS, EOT and the like, ascending): generation stops at any of
   * them and never returns one, so none may appear inside an answer.
   */
  eog: number[];
}

export type TokenStop = 'eos' | 'maxTokens';

export interface TokenGenerationRequest {
  /** Token ids as `tokenize` returns them (BOS first where the model adds one). At least one. */
  prompt: number[];
  /** At least 1; the prompt plus maxTokens plus one must fit the context. */
  maxTokens: number;
}

export interface TokenGenerationResult {
  /** The generated ids; never an end-of-generation token. */
  tokens: number[];
  /** 'eos': the model chose an end-of-generation token after `tokens`; 'maxTokens': the budget ended it. */
  stop: TokenStop;
  /** From the request to the first streamed token, measured in the node; null if none came. */
  ttftMs: number | null;
  totalMs: number;
}

export interface TokenScoreRequest {
  prompt: number[];
  answer: number[];
  stop: TokenStop;
  /** Also return each claimed token's log-probability; costs O(vocabulary) per position. */
  logprobs?: boolean;
}

export interface TokenScoreResult {
  /**
   * For each answer position, then the end-of-text position when stop is 'eos':
   * maxLogit - logit(claimed) in nats (>= 0; 0 when claimed is the argmax). At the end-of-text
   * position the claimed logit is the best end-of-generation token's. Exact below
   * MARGIN_CEILING; margins at or above it are reported as MARGIN_CEILING.
   */
  margins: number[];
  /** log p(claimed) per position, when asked (floored at LOGPROB_FLOOR); null otherwise. */
  logprobs: number[] | null;
  /** Answer positions where an end-of-generation token was the model's top choice. */
  eogTop: number[];
  /** The whole request, measured in the node. */
  ms: number;
}
