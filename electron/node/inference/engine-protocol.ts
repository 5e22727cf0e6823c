/**
 * Messages between the node (`engine.ts`) and the llama.cpp process (`engine-worker.ts`). Plain
 * JSON-serialisable data, so the same messages travel over `child_process` IPC under the CLI and
 * over Electron's `utilityProcess` port in the desktop app.
 */
import type {
  CompletionRequest,
  EmbeddingResult,
  GpuKind,
  HardwareInfo,
  LoadedModel,
  LoadOptions,
  StopReason,
  TokenGenerationRequest,
  TokenInfo,
  TokenScoreRequest,
  TokenStop,
} from './types.ts';

export interface WorkerInit {
  /** 'auto' picks CUDA, Vulkan or Metal where a prebuilt binary loads; false forces the CPU. */
  gpu: 'auto' | false | Exclude<GpuKind, 'none'>;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
}

export interface ModelInspection {
  name: string | null;
  architecture: string | null;
  totalLayers: number;
  trainContextSize: number | null;
  fits: boolean;
  gpuLayers: number;
  contextSize: number;
  ramBytes: number;
  vramBytes: number;
}

export interface WorkerCompletion {
  text: string;
  promptTokens: number;
  completionTokens: number;
  stopReason: StopReason;
}

export type WorkerRequest =
  | { id: number; type: 'init'; init: WorkerInit }
  | { id: number; type: 'hardware' }
  | { id: number; type: 'inspect'; path: string; contextSize: number }
  | { id: number; type: 'load'; path: string; options: LoadOptions }
  | { id: number; type: 'unload' }
  | { id: number; type: 'complete'; request: CompletionRequest }
  | { id: number; type: 'cancel'; target: number }
  | { id: number; type: 'embed'; text: string }
  | { id: number; type: 'tokenize'; text: string; specialTokens: boolean }
  | { id: number; type: 'detokenize'; tokens: number[]; specialTokens: boolean }
  | { id: number; type: 'tokenInfo' }
  | { id: number; type: 'generateTokens'; request: TokenGenerationRequest }
  | { id: number; type: 'scoreTokens'; request: TokenScoreRequest };

export interface WorkerResults {
  init: { ok: true };
  hardware: HardwareInfo;
  inspect: ModelInspection;
  load: Omit<LoadedModel, 'loadMs'>;
  unload: { ok: true };
  complete: WorkerCompletion;
  cancel: { ok: boolean };
  embed: EmbeddingResult;
  tokenize: number[];
  detokenize: string;
  tokenInfo: TokenInfo;
  generateTokens: { tokens: number[]; stop: TokenStop };
  scoreTokens: { margins: number[]; logprobs: number[] | null; eogTop: number[] };
}

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; result: unknown }
  | {
      kind: 'error';
      id: number;
      error: { code: string; message: string; data: Record<string, unknown> };
    }
  /** Streamed text for a completion; `tokens` is how many tokens this chunk carries. */
  | { kind: 'tokens'; id: number; text: string; tokens: number }
  /** Streamed token ids of `generateTokens`, one message per decode step. */
  | { kind: 'tokenIds'; id: number; tokens: number[] }
  | { kind: 'log'; level: 'error' | 'warn' | 'info' | 'debug'; message: string };
