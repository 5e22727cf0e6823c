/**
 * `ModelsService`: the node's models, in one place. It owns the catalogue, the installed-models
 * index (`<dataDir>/models/models.json`), the downloader and the engine, and is what the API and
 * the CLI call. It works whether or not the node runs (a user can download while not mining);
 * as a `NodeService`, `start` resumes the downloads the user had running and `stop` pauses them
 * (they resume on the next start) and shuts the engine process down.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { NodeService } from '../service.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { type Catalog, type CatalogEntry, loadCatalog } from './catalog.ts';
import { ModelDownloader, type ModelDownloaderOptions } from './downloader.ts';
import { InferenceEngine, type InferenceEngineOptions } from './engine.ts';
import { InferenceErrorCode, inferenceError } from './errors.ts';
import { assertGgufFile } from './gguf-file.ts';
import { describeFit, estimateFit, recommendModel } from './hardware.ts';
import type {
  CompletionRequest,
  CompletionResult,
  DownloadProgress,
  EmbeddingResult,
  EngineStatus,
  HardwareInfo,
  InstalledModel,
  LoadedModel,
  LoadOptions,
  ModelFit,
} from './types.ts';

export interface CatalogModelView extends CatalogEntry {
  fit: ModelFit | null;
  fitText: string | null;
  recommended: boolean;
  installedId: string | null;
  download: DownloadProgress | null;
}

export interface CatalogView {
  hardware: HardwareInfo | null;
  /** Set when hardware detection failed (the engine could not start); the fit is then unknown. */
  hardwareError: { code: string; message: string } | null;
  recommendedId: string | null;
  models: CatalogModelView[];
}

export interface ModelsList {
  installed: InstalledModel[];
  downloads: DownloadProgress[];
  engine: EngineStatus;
}

export interface TokenEvent {
  requestId: string;
  text: string;
}

export interface ModelsServiceOptions {
  dataDir: string;
  logger?: Logger;
  catalogPath?: string;
  engine?: InferenceEngineOptions;
  downloader?: Partial<Omit<ModelDownloaderOptions, 'modelsDir' | 'logger'>>;
  /** Defaults for `load` (tests pin `threads: 1`). */
  loadDefaults?: LoadOptions;
}

const IndexSchema = z.object({
  version: z.literal(1),
  models: z.array(
    z.object({
      id: z.string(),
      fileName: z.string(),
      path: z.string(),
      sizeBytes: z.number(),
      sha256: z.string().nullable(),
      verifiedBy: z.enum(['sha256', 'size+gguf', 'gguf']),
      catalogId: z.string().nullable(),
      source: z.enum(['catalog', 'url', 'file']),
      url: z.string().nullable(),
      addedAt: z.string(),
    }),
  ),
});

const HARDWARE_CACHE_MS = 10_000;

export class ModelsService
  extends EventEmitter<{
    download: [DownloadProgress];
    token: [TokenEvent];
    engine: [EngineStatus];
  }>
  implements NodeService
{
  readonly name = 'models';
  readonly modelsDir: string;
  private readonly indexFile: string;
  private readonly log: Logger | undefined;
  private readonly options: ModelsServiceOptions;
  readonly downloader: ModelDownloader;
  private engineInstance: InferenceEngine;
  private catalogData: Catalog | null = null;
  private installed: InstalledModel[] = [];
  private ready: Promise<void> | null = null;
  private hardwareCache: { at: number; value: HardwareInfo } | null = null;
  private readonly completions = new Map<string, AbortController>();
  /** Index writes are serialized so two finishing downloads never lose one another. */
  private indexQueue: Promise<unknown> = Promise.resolve();

  constructor(options: ModelsServiceOptions) {
    super();
    this.options = options;
    this.modelsDir = path.join(options.dataDir, 'models');
    this.indexFile = path.join(this.modelsDir, 'models.json');
    this.log = options.logger?.child({ module: 'models' });
    this.downloader = new ModelDownloader({
      ...options.downloader,
      modelsDir: this.modelsDir,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.downloader.on('progress', (p) => this.emit('download', p));
    this.downloader.on('done', (result) => {
      void this.updateIndex((models) => [
        ...models.filter((m) => m.fileName !== result.fileName),
        {
          id: result.modelId ?? result.id,
          fileName: result.fileName,
          path: result.path,
          sizeBytes: result.sizeBytes,
          sha256: result.sha256,
          verifiedBy: result.verifiedBy,
          catalogId: result.modelId,
          source: result.modelId ? 'catalog' : 'url',
          url: result.url,
          addedAt: new Date().toISOString(),
        },
      ]).catch((error: unknown) =>
        this.log?.error({ err: String(error) }, 'models index write failed'),
      );
    });
    this.engineInstance = this.createEngine();
  }

  /** The engine, for tests and benchmarks that need its process id. */
  get engine(): InferenceEngine {
    return this.engineInstance;
  }

  private createEngine(): InferenceEngine {
    const engine = new InferenceEngine({
      ...this.options.engine,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
    engine.on('status', (s) => this.emit('engine', s));
    return engine;
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.modelsDir, { recursive: true });
      this.catalogData = await loadCatalog(this.options.catalogPath);
      this.installed = await this.readIndex();
      await this.downloader.restore();
    })();
    return this.ready;
  }

  async start(): Promise<void> {
    await this.init();
    this.downloader.resumeAll();
  }

  async stop(): Promise<void> {
    for (const controller of this.completions.values()) controller.abort();
    await this.downloader.dispose();
    await this.engineInstance.dispose();
    this.engineInstance = this.createEngine();
  }

  detail(): string | null {
    const loaded = this.engineInstance.status().model;
    const active = this.downloader.list().filter((d) => d.state === 'downloading');
    const parts: string[] = [];
    if (loaded) parts.push(`${loaded.name ?? path.basename(loaded.path)} loaded`);
    if (active.length > 0) parts.push(`${active.length} downloading`);
    return parts.length > 0 ? parts.join(', ') : null;
  }

  private async readIndex(): Promise<InstalledModel[]> {
    try {
      const parsed = IndexSchema.parse(JSON.parse(await readFile(this.indexFile, 'utf8')));
      // A file deleted behind our back is not installed any more.
      const present: InstalledModel[] = [];
      for (const m of parsed.models) {
        if (
          await stat(m.path).then(
            () => true,
            () => false,
          )
        )
          present.push(m);
      }
      return present;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log?.warn({ err: String(error) }, 'models index unreadable; starting empty');
      }
      return [];
    }
  }

  private updateIndex(change: (models: InstalledModel[]) => InstalledModel[]): Promise<void> {
    const next = this.indexQueue.then(async () => {
      this.installed = change(this.installed);
      await writeFileAtomic(
        this.indexFile,
        JSON.stringify({ version: 1, models: this.installed }, null, 2) + '\n',
      );
    });
    this.indexQueue = next.catch(() => undefined);
    return next;
  }

  private catalogEntry(id: string): CatalogEntry {
    const entry = this.catalogData?.models.find((m) => m.id === id);
    if (!entry)
      throw inferenceError(InferenceErrorCode.NOT_FOUND, `no catalogue model ${id}`, { id });
    return entry;
  }

  private installedModel(id: string): InstalledModel {
    const model = this.installed.find((m) => m.id === id || m.fileName === id);
    if (!model)
      throw inferenceError(InferenceErrorCode.NOT_FOUND, `no installed model ${id}`, { id });
    return model;
  }

  async hardware(): Promise<HardwareInfo> {
    const now = Date.now();
    if (this.hardwareCache && now - this.hardwareCache.at < HARDWARE_CACHE_MS) {
      return this.hardwareCache.value;
    }
    const value = await this.engineInstance.hardware();
    this.hardwareCache = { at: now, value };
    return value;
  }

  async catalog(): Promise<CatalogView> {
    await this.init();
    const models = this.catalogData!.models;
    let hardware: HardwareInfo | null = null;
    let hardwareError: CatalogView['hardwareError'] = null;
    try {
      hardware = await this.hardware();
    } catch (error) {
      const e = error as { code?: string; message?: string };
      hardwareError = { code: e.code ?? 'UNKNOWN', message: e.message ?? String(error) };
    }
    const recommendedId = hardware ? recommendModel(models, hardware) : null;
    const downloads = this.downloader.list();
    return {
      hardware,
      hardwareError,
      recommendedId,
      models: models.map((entry) => {
        const fit = hardware ? estimateFit(entry, hardware) : null;
        return {
          ...entry,
          fit,
          fitText: fit ? describeFit(fit) : null,
          recommended: entry.id === recommendedId,
          installedId: this.installed.find((m) => m.catalogId === entry.id)?.id ?? null,
          download: downloads.find((d) => d.modelId === entry.id) ?? null,
        };
      }),
    };
  }

  async list(): Promise<ModelsList> {
    await this.init();
    return {
      installed: [...this.installed],
      downloads: this.downloader.list(),
      engine: this.engineInstance.status(),
    };
  }

  async download(id: string): Promise<DownloadProgress> {
    await this.init();
    const entry = this.catalogEntry(id);
    return this.downloader.start({
      id: entry.id,
      modelId: entry.id,
      url: entry.url,
      fileName: entry.fileName,
      expectedSize: entry.sizeBytes,
      sizeExact: entry.sizeExact,
      sha256: entry.sha256,
      sha256Source: 'catalog',
    });
  }

  async addUrl(input: {
    url: string;
    sha256?: string;
    fileName?: string;
  }): Promise<DownloadProgress> {
    await this.init();
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw inferenceError(InferenceErrorCode.BAD_URL, `not a URL: ${input.url}`, {
        url: input.url,
      });
    }
    const fileName = input.fileName ?? decodeURIComponent(url.pathname.split('/').pop() ?? '');
    if (!fileName.toLowerCase().endsWith('.gguf')) {
      throw inferenceError(
        InferenceErrorCode.BAD_URL,
        'the URL must name a .gguf file (or give fileName)',
        { url: input.url },
      );
    }
    const id = `url-${createHash('sha256').update(input.url).digest('hex').slice(0, 12)}`;
    return this.downloader.start({
      id,
      url: input.url,
      fileName,
      sha256: input.sha256 ?? null,
      sha256Source: 'user',
    });
  }

  async pause(id: string): Promise<DownloadProgress> {
    await this.init();
    return this.downloader.pause(id);
  }

  async resume(id: string): Promise<DownloadProgress> {
    await this.init();
    return this.downloader.resume(id);
  }

  async cancel(id: string): Promise<DownloadProgress> {
    await this.init();
    return this.downloader.cancel(id);
  }

  /** Copies a local GGUF file into the models folder, hashing it on the way. */
  async addFile(input: { path: string }): Promise<InstalledModel> {
    await this.init();
    const source = path.resolve(input.path);
    await assertGgufFile(source);
    const fileName = path.basename(source);
    const target = path.join(this.modelsDir, fileName);
    if (this.installed.some((m) => m.fileName === fileName)) {
      throw inferenceError(InferenceErrorCode.DOWNLOAD_EXISTS, `${fileName} is already installed`, {
        id: fileName,
      });
    }
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
    }
    const sha256 = hash.digest('hex');
    if (source !== target) await copyFile(source, target);
    const model: InstalledModel = {
      id: `file-${sha256.slice(0, 12)}`,
      fileName,
      path: target,
      sizeBytes: (await stat(target)).size,
      sha256,
      verifiedBy: 'gguf',
      catalogId: this.catalogData?.models.find((m) => m.sha256 === sha256)?.id ?? null,
      source: 'file',
      url: null,
      addedAt: new Date().toISOString(),
    };
    await this.updateIndex((models) => [...models, model]);
    return model;
  }

  /** Deletes an installed model (unloading it first) or a partial download; returns the bytes freed. */
  async delete(id: string): Promise<{ freedBytes: number }> {
    await this.init();
    const download = this.downloader.get(id);
    if (download && download.state !== 'done') {
      const before = download.receivedBytes;
      await this.downloader.cancel(id);
      return { freedBytes: before };
    }
    const model = this.installedModel(id);
    if (this.engineInstance.status().model?.path === model.path) await this.engineInstance.unload();
    const size = await stat(model.path).then(
      (s) => s.size,
      () => 0,
    );
    await unlink(model.path).catch(() => undefined);
    await this.updateIndex((models) => models.filter((m) => m.id !== model.id));
    return { freedBytes: size };
  }

  /** Loads an installed model (by id), or any GGUF file by path (the CLI's `run FILE`). */
  async load(input: { id?: string; path?: string } & LoadOptions): Promise<LoadedModel> {
    await this.init();
    const { id, path: file, ...options } = input;
    const target = file ? path.resolve(file) : this.installedModel(id ?? '').path;
    return this.engineInstance.load(target, { ...this.options.loadDefaults, ...options });
  }

  async unload(): Promise<EngineStatus> {
    await this.engineInstance.unload();
    return this.engineInstance.status();
  }

  engineStatus(): EngineStatus {
    return this.engineInstance.status();
  }

  async restartEngine(): Promise<EngineStatus> {
    return this.engineInstance.restart({ reload: true });
  }

  /** Completes a prompt; text streams as `token` events tagged with `requestId`. */
  async complete(
    request: CompletionRequest & { requestId?: string },
    onText?: (text: string) => void,
  ): Promise<CompletionResult & { requestId: string }> {
    const requestId =
      request.requestId ?? `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const controller = new AbortController();
    this.completions.set(requestId, controller);
    try {
      const { prompt, maxTokens, temperature, seed, chat } = request;
      const body: CompletionRequest = { prompt };
      if (maxTokens !== undefined) body.maxTokens = maxTokens;
      if (temperature !== undefined) body.temperature = temperature;
      if (seed !== undefined) body.seed = seed;
      if (chat !== undefined) body.chat = chat;
      const result = await this.engineInstance.complete(body, {
        signal: controller.signal,
        onText: (text) => {
          onText?.(text);
          this.emit('token', { requestId, text });
        },
      });
      return { ...result, requestId };
    } finally {
      this.completions.delete(requestId);
    }
  }

  stopCompletion(requestId: string): { stopped: boolean } {
    const controller = this.completions.get(requestId);
    controller?.abort();
    return { stopped: controller !== undefined };
  }

  async embed(text: string): Promise<EmbeddingResult> {
    return this.engineInstance.embed(text);
  }
}
