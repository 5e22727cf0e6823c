/**
 * Contract entries for models: the catalogue with each model's fit to this machine, downloads
 * (start, pause, resume, cancel; progress arrives as `models.download` events), installed models,
 * and the local engine (load, unload, complete; streamed text arrives as `models.token` events).
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type { CatalogView, ModelsList } from '../../inference/models-service.ts';
import type {
  CompletionResult,
  DownloadProgress,
  EmbeddingResult,
  EngineStatus,
  HardwareInfo,
  InstalledModel,
  LoadedModel,
} from '../../inference/types.ts';

const empty = z.object({}).strict();
const id = z.object({ id: z.string().min(1).max(200) }).strict();
const sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/)
  .transform((s) => s.toLowerCase());

export interface ModelsIdInput {
  id: string;
}

export interface ModelsLoadInput {
  id?: string | undefined;
  path?: string | undefined;
  gpuLayers?: 'auto' | number | undefined;
  contextSize?: number | undefined;
  sequences?: number | undefined;
  threads?: number | undefined;
}

export interface ModelsCompleteInput {
  prompt: string;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  seed?: number | undefined;
  chat?: boolean | undefined;
  /** Tags the `models.token` events of this request; chosen by the caller or generated. */
  requestId?: string | undefined;
}

export const modelsMethods = {
  'models.catalog': defineMethod<Record<string, never>, CatalogView>(empty, {
    summary: 'The model catalogue with, per model, whether it fits this machine and where it runs.',
  }),
  'models.hardware': defineMethod<Record<string, never>, HardwareInfo>(empty, {
    summary: 'CPU, RAM, and the GPU backend llama.cpp loaded with its free VRAM.',
  }),
  'models.list': defineMethod<Record<string, never>, ModelsList>(empty, {
    summary: 'Installed models, downloads in progress or paused, and the engine status.',
  }),
  'models.download': defineMethod<ModelsIdInput, DownloadProgress>(id, {
    summary: 'Download a catalogue model (resumable, verified before it is installed).',
  }),
  'models.pause': defineMethod<ModelsIdInput, DownloadProgress>(id, {
    summary: 'Pause a download; it stays paused across restarts until resumed.',
  }),
  'models.resume': defineMethod<ModelsIdInput, DownloadProgress>(id, {
    summary: 'Resume a paused or failed download from the bytes already on disk.',
  }),
  'models.cancel': defineMethod<ModelsIdInput, DownloadProgress>(id, {
    summary: 'Cancel a download and delete its partial file.',
  }),
  'models.delete': defineMethod<ModelsIdInput, { freedBytes: number }>(id, {
    summary:
      'Delete an installed model (unloading it first) or a partial download; returns the bytes freed.',
  }),
  'models.addUrl': defineMethod<
    { url: string; sha256?: string | undefined; fileName?: string | undefined },
    DownloadProgress
  >(
    z
      .object({
        url: z.url({ protocol: /^https?$/ }),
        sha256: sha256.optional(),
        fileName: z
          .string()
          .regex(/^[^/\\]+\.gguf$/i)
          .optional(),
      })
      .strict(),
    { summary: 'Download a GGUF model from any http(s) URL, with an optional expected SHA-256.' },
  ),
  'models.addFile': defineMethod<{ path: string }, InstalledModel>(
    z.object({ path: z.string().min(1).max(4096) }).strict(),
    { summary: 'Copy a local GGUF file into the models folder (refused unless it is GGUF).' },
  ),
  'models.load': defineMethod<ModelsLoadInput, LoadedModel>(
    z
      .object({
        id: z.string().min(1).optional(),
        path: z.string().min(1).optional(),
        gpuLayers: z.union([z.literal('auto'), z.number().int().min(0)]).optional(),
        contextSize: z.number().int().min(64).max(1_048_576).optional(),
        sequences: z.number().int().min(1).max(64).optional(),
        threads: z.number().int().min(1).max(1024).optional(),
      })
      .strict()
      .refine((v) => (v.id === undefined) !== (v.path === undefined), {
        message: 'give exactly one of id or path',
      }),
    { summary: 'Load a model into the engine, offloading as many layers to the GPU as fit.' },
  ),
  'models.unload': defineMethod<Record<string, never>, EngineStatus>(empty, {
    summary: 'Unload the model and free its memory.',
  }),
  'models.complete': defineMethod<ModelsCompleteInput, CompletionResult & { requestId: string }>(
    z
      .object({
        prompt: z.string().min(1).max(200_000),
        maxTokens: z.number().int().min(1).max(32_768).optional(),
        temperature: z.number().min(0).max(2).optional(),
        seed: z.number().int().min(0).optional(),
        chat: z.boolean().optional(),
        requestId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    {
      summary:
        'Complete a prompt with the loaded model; the text also streams as models.token events.',
    },
  ),
  'models.stopCompletion': defineMethod<{ requestId: string }, { stopped: boolean }>(
    z.object({ requestId: z.string().min(1).max(100) }).strict(),
    { summary: 'Stop a running completion; it returns what was generated so far.' },
  ),
  'models.embed': defineMethod<{ text: string }, EmbeddingResult>(
    z.object({ text: z.string().min(1).max(100_000) }).strict(),
    { summary: 'The embedding vector of a text under the loaded model.' },
  ),
  'models.restartEngine': defineMethod<Record<string, never>, EngineStatus>(empty, {
    summary: 'Start a fresh engine process (after a crash), reloading the last model if safe.',
  }),
};
