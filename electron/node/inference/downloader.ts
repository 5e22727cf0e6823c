/**
 * `ModelDownloader`: resumable, verified model downloads.
 *
 * - Bytes go to `<modelsDir>/.downloads/<file>.part`, next to a sidecar `<file>.json` naming the
 *   URL, the expected size and SHA-256 and whether the user wants it running. A download cut by a
 *   quit, a crash or a kill resumes at the next start from the part's length (`Range`), with
 *   `If-Range` so a changed file on the server restarts from zero instead of splicing two files.
 * - SHA-256 is computed while streaming; on resume the existing part is re-hashed first.
 * - The expected hash comes from the catalogue, else from the server (`x-linked-etag`, which
 *   Hugging Face sets to the LFS SHA-256, or a 64-hex `etag`); with none, size + GGUF magic are
 *   checked. Only a file that passes is renamed (atomically) into `<modelsDir>/`.
 * - Network errors, 5xx and stalls are retried with exponential backoff; 4xx are final. The part
 *   file is kept on every failure except a verification failure (its bytes are wrong).
 * - Free space is checked (injectable `freeSpace`) before the first byte and again once the server
 *   states the size; ENOSPC during the write stops the download with a clear code.
 */
import { createHash, type Hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  statfs,
  truncate,
  open,
} from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { isNoesisError, NoesisError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { fsyncDir, writeFileAtomic } from '../storage/atomic-file.ts';
import { InferenceErrorCode, inferenceError } from './errors.ts';
import { isGgufHeader, readHeader } from './gguf-file.ts';
import type { DownloadProgress, DownloadState } from './types.ts';

export interface DownloadRequest {
  /** Stable id: the catalogue id, or one derived from the URL. */
  id: string;
  url: string;
  fileName: string;
  modelId?: string | null;
  expectedSize?: number | null;
  /** Whether `expectedSize` is exact (checked) or the publisher's rounded figure (space check only). */
  sizeExact?: boolean;
  sha256?: string | null;
  sha256Source?: 'catalog' | 'user';
}

export interface DownloadResult {
  id: string;
  modelId: string | null;
  fileName: string;
  path: string;
  url: string;
  sizeBytes: number;
  sha256: string;
  verifiedBy: 'sha256' | 'size+gguf';
}

export interface ModelDownloaderOptions {
  modelsDir: string;
  logger?: Logger;
  /** Free bytes on the volume holding `dir`; injectable so tests can simulate a full disk. */
  freeSpace?: (dir: string) => Promise<number>;
  /** Opens the part file for appending; injectable so tests can simulate ENOSPC mid-download. */
  openPart?: (file: string) => Writable;
  /** Bytes kept free beyond the file itself. */
  spaceMarginBytes?: number;
  retries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  stallTimeoutMs?: number;
  progressIntervalMs?: number;
  userAgent?: string;
}

const SidecarSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  url: z.string(),
  fileName: z.string(),
  modelId: z.string().nullable(),
  expectedSize: z.number().nullable(),
  sizeExact: z.boolean(),
  sha256: z.string().nullable(),
  sha256Source: z.enum(['catalog', 'server', 'user', 'none']),
  /** The server's validator (etag), sent back as If-Range on resume. */
  validator: z.string().nullable(),
  /** 'running' resumes at the next start; 'paused' waits for the user. */
  wanted: z.enum(['running', 'paused']),
  createdAt: z.string(),
});
type Sidecar = z.infer<typeof SidecarSchema>;

interface Job {
  sidecar: Sidecar;
  state: DownloadState;
  received: number;
  total: number | null;
  resumedFrom: number;
  attempt: number;
  error: { code: string; message: string } | null;
  path: string | null;
  controller: AbortController | null;
  /** Why the current run is being stopped: the user paused, cancelled, or the app is closing. */
  stopping: 'pause' | 'cancel' | 'shutdown' | null;
  run: Promise<void> | null;
  hash: Hash | null;
  hashedBytes: number;
  speed: SpeedMeter;
  lastEmit: number;
  lastSample: number;
  result: DownloadResult | null;
  waiters: Array<{ resolve: (r: DownloadResult) => void; reject: (e: Error) => void }>;
}

/** Bytes per second over a sliding window of a few seconds. */
class SpeedMeter {
  private samples: Array<[number, number]> = [];
  private readonly windowMs: number;
  constructor(windowMs = 3000) {
    this.windowMs = windowMs;
  }
  reset(): void {
    this.samples = [];
  }
  add(bytes: number, now = performance.now()): void {
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0]![0] > this.windowMs)
      this.samples.shift();
  }
  rate(): number {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0]!;
    const [t1, b1] = this.samples[this.samples.length - 1]!;
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }
}

class RetryableError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The SHA-256 a server states for a file: Hugging Face's `x-linked-etag`, or a 64-hex etag. */
export function sha256FromHeaders(headers: http.IncomingHttpHeaders): string | null {
  for (const name of ['x-linked-etag', 'etag']) {
    const raw = headers[name];
    const value = (Array.isArray(raw) ? raw[0] : raw)
      ?.trim()
      .replace(/^W\//, '')
      .replace(/^"|"$/g, '')
      .toLowerCase();
    if (value && SHA256_HEX.test(value)) return value;
  }
  return null;
}

export async function statfsFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export class ModelDownloader extends EventEmitter<{
  progress: [DownloadProgress];
  done: [DownloadResult];
}> {
  readonly modelsDir: string;
  readonly partsDir: string;
  private readonly log: Logger | undefined;
  private readonly freeSpace: (dir: string) => Promise<number>;
  private readonly openPart: (file: string) => Writable;
  private readonly spaceMargin: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly stallTimeoutMs: number;
  private readonly progressIntervalMs: number;
  private readonly userAgent: string;
  private readonly jobs = new Map<string, Job>();

  constructor(options: ModelDownloaderOptions) {
    super();
    this.modelsDir = options.modelsDir;
    this.partsDir = path.join(options.modelsDir, '.downloads');
    this.log = options.logger?.child({ module: 'downloader' });
    this.freeSpace = options.freeSpace ?? statfsFreeBytes;
    this.openPart =
      options.openPart ??
      ((file) => createWriteStream(file, { flags: 'a', highWaterMark: 1 << 20 }));
    this.spaceMargin = options.spaceMarginBytes ?? 64 * 1024 * 1024;
    this.retries = options.retries ?? 5;
    this.backoffMs = options.backoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.userAgent = options.userAgent ?? 'Noesis model downloader';
  }

  private partFile(fileName: string): string {
    return path.join(this.partsDir, `${fileName}.part`);
  }
  private sidecarFile(fileName: string): string {
    return path.join(this.partsDir, `${fileName}.json`);
  }

  /**
   * Reads the sidecars left by a previous run. Downloads the user had running are returned with
   * `wanted: 'running'` so the caller can resume them (`resumeAll`); paused ones stay paused.
   */
  async restore(): Promise<DownloadProgress[]> {
    await mkdir(this.partsDir, { recursive: true });
    for (const name of await readdir(this.partsDir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const sidecar = SidecarSchema.parse(
          JSON.parse(await readFile(path.join(this.partsDir, name), 'utf8')),
        );
        if (this.jobs.has(sidecar.id)) continue;
        const size = await stat(this.partFile(sidecar.fileName)).then(
          (s) => s.size,
          () => 0,
        );
        const job = this.newJob(sidecar);
        job.received = size;
        job.state = 'paused';
        this.jobs.set(sidecar.id, job);
      } catch (error) {
        this.log?.warn({ file: name, err: String(error) }, 'unreadable download sidecar ignored');
      }
    }
    return this.list();
  }

  /** Resumes every restored download the user had not paused. */
  resumeAll(): void {
    for (const job of this.jobs.values()) {
      if (job.state === 'paused' && job.sidecar.wanted === 'running') this.startRun(job);
    }
  }

  list(): DownloadProgress[] {
    return [...this.jobs.values()].map((job) => this.progressOf(job));
  }

  get(id: string): DownloadProgress | null {
    const job = this.jobs.get(id);
    return job ? this.progressOf(job) : null;
  }

  /** Starts (or resumes) a download; returns at once with its first progress. */
  async start(request: DownloadRequest): Promise<DownloadProgress> {
    const existing = this.jobs.get(request.id);
    if (existing) {
      if (existing.state === 'paused' || existing.state === 'failed') {
        return this.resume(request.id);
      }
      if (existing.state !== 'done' && existing.state !== 'cancelled')
        return this.progressOf(existing);
      this.jobs.delete(request.id);
    }
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw inferenceError(InferenceErrorCode.BAD_URL, `not a URL: ${request.url}`, {
        url: request.url,
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw inferenceError(
        InferenceErrorCode.BAD_URL,
        'only http and https downloads are supported',
        {
          url: request.url,
        },
      );
    }
    if (!/^[^/\\]+$/.test(request.fileName) || request.fileName.startsWith('.')) {
      throw inferenceError(InferenceErrorCode.BAD_URL, `bad file name: ${request.fileName}`, {
        url: request.url,
      });
    }
    const target = path.join(this.modelsDir, request.fileName);
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    ) {
      throw inferenceError(
        InferenceErrorCode.DOWNLOAD_EXISTS,
        `${request.fileName} is already installed`,
        { id: request.id },
      );
    }
    await mkdir(this.partsDir, { recursive: true });
    const expectedSha = request.sha256?.toLowerCase() ?? null;
    const sidecar: Sidecar = {
      version: 1,
      id: request.id,
      url: request.url,
      fileName: request.fileName,
      modelId: request.modelId ?? null,
      expectedSize: request.expectedSize ?? null,
      sizeExact: request.sizeExact ?? false,
      sha256: expectedSha,
      sha256Source: expectedSha ? (request.sha256Source ?? 'catalog') : 'none',
      validator: null,
      wanted: 'running',
      createdAt: new Date().toISOString(),
    };
    // An earlier part for the same file (different URL or hash) is not ours to splice onto.
    const previous = await this.readSidecar(request.fileName);
    if (!previous || previous.url !== sidecar.url || previous.sha256 !== sidecar.sha256) {
      await rm(this.partFile(request.fileName), { force: true });
    } else {
      sidecar.validator = previous.validator;
      if (!sidecar.sha256 && previous.sha256) {
        sidecar.sha256 = previous.sha256;
        sidecar.sha256Source = previous.sha256Source;
      }
    }
    // Refused before anything is written when the catalogue size does not fit.
    if (sidecar.expectedSize) await this.checkSpace(sidecar.expectedSize, 0);
    await this.saveSidecar(sidecar);
    const job = this.newJob(sidecar);
    this.jobs.set(sidecar.id, job);
    this.startRun(job);
    return this.progressOf(job);
  }

  async pause(id: string): Promise<DownloadProgress> {
    const job = this.require(id);
    job.sidecar.wanted = 'paused';
    await this.saveSidecar(job.sidecar);
    if (job.run) {
      job.stopping = 'pause';
      job.controller?.abort();
      await job.run;
    }
    if (job.state !== 'done') this.setState(job, 'paused');
    return this.progressOf(job);
  }

  async resume(id: string): Promise<DownloadProgress> {
    const job = this.require(id);
    if (job.state === 'done' || job.run) return this.progressOf(job);
    job.sidecar.wanted = 'running';
    job.error = null;
    await this.saveSidecar(job.sidecar);
    this.startRun(job);
    return this.progressOf(job);
  }

  /** Stops the download and deletes its partial file. */
  async cancel(id: string): Promise<DownloadProgress> {
    const job = this.require(id);
    if (job.run) {
      job.stopping = 'cancel';
      job.controller?.abort();
      await job.run;
    }
    if (job.state !== 'done') {
      await this.removePart(job.sidecar.fileName);
      job.received = 0;
      this.setState(job, 'cancelled');
      for (const w of job.waiters.splice(0)) {
        w.reject(
          inferenceError(InferenceErrorCode.NOT_FOUND, 'the download was cancelled', { id }),
        );
      }
    }
    this.jobs.delete(id);
    return this.progressOf(job);
  }

  /** Resolves when the download is verified and installed; rejects when it fails or is cancelled. */
  wait(id: string): Promise<DownloadResult> {
    const job = this.require(id);
    if (job.result) return Promise.resolve(job.result);
    if (job.state === 'failed' && job.error) {
      return Promise.reject(new NoesisError(job.error.code, job.error.message));
    }
    return new Promise((resolve, reject) => job.waiters.push({ resolve, reject }));
  }

  /** Stops every running download without changing what the user wants, so they resume next start. */
  async dispose(): Promise<void> {
    const runs: Promise<void>[] = [];
    for (const job of this.jobs.values()) {
      if (job.run) {
        job.stopping = 'shutdown';
        job.controller?.abort();
        runs.push(job.run);
      }
    }
    await Promise.all(runs);
  }

  private require(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw inferenceError(InferenceErrorCode.NOT_FOUND, `no download ${id}`, { id });
    return job;
  }

  private newJob(sidecar: Sidecar): Job {
    return {
      sidecar,
      state: 'queued',
      received: 0,
      total: sidecar.expectedSize,
      resumedFrom: 0,
      attempt: 0,
      error: null,
      path: null,
      controller: null,
      stopping: null,
      run: null,
      hash: null,
      hashedBytes: 0,
      speed: new SpeedMeter(),
      lastEmit: 0,
      lastSample: 0,
      result: null,
      waiters: [],
    };
  }

  private async readSidecar(fileName: string): Promise<Sidecar | null> {
    try {
      return SidecarSchema.parse(JSON.parse(await readFile(this.sidecarFile(fileName), 'utf8')));
    } catch {
      return null;
    }
  }

  private async saveSidecar(sidecar: Sidecar): Promise<void> {
    await writeFileAtomic(
      this.sidecarFile(sidecar.fileName),
      JSON.stringify(sidecar, null, 2) + '\n',
    );
  }

  private async removePart(fileName: string): Promise<void> {
    await rm(this.partFile(fileName), { force: true });
    await rm(this.sidecarFile(fileName), { force: true });
  }

  private progressOf(job: Job): DownloadProgress {
    const total = job.total;
    const percent = total ? Math.min(100, Math.floor((job.received / total) * 1000) / 10) : null;
    const speed = job.state === 'downloading' ? job.speed.rate() : 0;
    return {
      id: job.sidecar.id,
      modelId: job.sidecar.modelId,
      fileName: job.sidecar.fileName,
      url: job.sidecar.url,
      state: job.state,
      receivedBytes: job.received,
      totalBytes: total,
      percent,
      bytesPerSecond: Math.round(speed),
      etaSeconds: total && speed > 0 ? Math.ceil((total - job.received) / speed) : null,
      resumedFromBytes: job.resumedFrom,
      resumedAtPercent:
        job.resumedFrom > 0 && total ? Math.floor((job.resumedFrom / total) * 100) : null,
      attempt: job.attempt,
      sha256Source: job.sidecar.sha256Source,
      error: job.error,
      path: job.path,
    };
  }

  private emitProgress(job: Job, force = false): void {
    const now = performance.now();
    // Sampled at most every 100 ms: per-chunk bookkeeping would cost throughput at GB/s.
    if (!force && now - job.lastEmit < Math.max(this.progressIntervalMs, 0)) return;
    if (now - job.lastSample >= 100 || force) {
      job.speed.add(job.received, now);
      job.lastSample = now;
    }
    if (!force && now - job.lastEmit < this.progressIntervalMs) return;
    job.lastEmit = now;
    this.emit('progress', this.progressOf(job));
  }

  private setState(job: Job, state: DownloadState): void {
    job.state = state;
    this.emitProgress(job, true);
  }

  private startRun(job: Job): void {
    job.stopping = null;
    job.attempt = 0;
    job.error = null;
    job.run = this.run(job).finally(() => {
      job.run = null;
      job.controller = null;
    });
  }

  private async run(job: Job): Promise<void> {
    for (;;) {
      job.controller = new AbortController();
      try {
        await this.attempt(job, job.controller.signal);
        return;
      } catch (error) {
        if (job.stopping) {
          if (job.stopping !== 'cancel') this.setState(job, 'paused');
          return;
        }
        if (error instanceof RetryableError && job.attempt < this.retries) {
          job.attempt++;
          const delay = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (job.attempt - 1));
          this.log?.warn(
            { id: job.sidecar.id, attempt: job.attempt, delay, err: error.message },
            'download interrupted, retrying',
          );
          this.setState(job, 'downloading');
          const slept = await sleep(delay, job.controller.signal);
          if (!slept) {
            if (job.stopping !== 'cancel') this.setState(job, 'paused');
            return;
          }
          continue;
        }
        this.fail(job, error);
        return;
      }
    }
  }

  private fail(job: Job, error: unknown): void {
    const e =
      error instanceof RetryableError || isNoesisError(error)
        ? { code: error.code, message: error.message }
        : {
            code: InferenceErrorCode.DOWNLOAD_NETWORK,
            message: error instanceof Error ? error.message : String(error),
          };
    job.error = e;
    this.log?.error({ id: job.sidecar.id, code: e.code, err: e.message }, 'download failed');
    this.setState(job, 'failed');
    const err =
      error instanceof NoesisError
        ? error
        : new NoesisError(e.code, e.message, error instanceof RetryableError ? error.data : {});
    for (const w of job.waiters.splice(0)) w.reject(err);
  }

  private async checkSpace(totalBytes: number, haveBytes: number): Promise<void> {
    await mkdir(this.modelsDir, { recursive: true });
    const free = await this.freeSpace(this.modelsDir);
    const needed = Math.max(0, totalBytes - haveBytes) + this.spaceMargin;
    if (free < needed) {
      throw inferenceError(
        InferenceErrorCode.DOWNLOAD_DISK_SPACE,
        `not enough disk space: ${formatBytes(needed)} needed, ${formatBytes(free)} free in ${this.modelsDir}`,
        { neededBytes: needed, freeBytes: free, dir: this.modelsDir },
      );
    }
  }

  /** Hashes the bytes already on disk so the streaming hash continues from the part's end. */
  private async rehash(job: Job, file: string, length: number): Promise<void> {
    if (job.hash && job.hashedBytes === length) return;
    const hash = createHash('sha256');
    if (length > 0) {
      for await (const chunk of createReadStream(file, {
        start: 0,
        end: length - 1,
        highWaterMark: 1 << 20,
      })) {
        hash.update(chunk as Buffer);
      }
    }
    job.hash = hash;
    job.hashedBytes = length;
  }

  private async attempt(job: Job, signal: AbortSignal): Promise<void> {
    const { sidecar } = job;
    const part = this.partFile(sidecar.fileName);
    let offset = await stat(part).then(
      (s) => s.size,
      () => 0,
    );
    if (sidecar.sizeExact && sidecar.expectedSize !== null && offset > sidecar.expectedSize) {
      await truncate(part, 0);
      offset = 0;
    }
    if (job.state !== 'downloading') {
      job.resumedFrom = offset;
      if (offset > 0) {
        this.log?.info(
          {
            id: sidecar.id,
            offset,
            percent: job.total ? Math.floor((offset / job.total) * 100) : null,
          },
          'resuming download',
        );
      }
    }
    job.received = offset;
    this.setState(job, 'downloading');
    await this.rehash(job, part, offset);
    if (sidecar.sizeExact && sidecar.expectedSize !== null && offset === sidecar.expectedSize) {
      return this.verify(job);
    }
    await this.checkSpace(job.total ?? 0, offset);

    const headers: Record<string, string> = {
      'user-agent': this.userAgent,
      'accept-encoding': 'identity',
    };
    if (offset > 0) {
      headers.range = `bytes=${offset}-`;
      if (sidecar.validator) headers['if-range'] = sidecar.validator;
    }
    const { response, hopSha, hopSize } = await this.request(sidecar.url, headers, signal);
    try {
      const status = response.statusCode ?? 0;
      if (status === 416 && offset > 0) {
        // The part already holds the whole file (or more): verify it, or start over.
        response.resume();
        if (job.total !== null && offset === job.total) return this.verify(job);
        await truncate(part, 0);
        job.hash = null;
        throw new RetryableError(
          InferenceErrorCode.DOWNLOAD_NETWORK,
          'range not satisfiable; restarting',
        );
      }
      if (status >= 400) {
        response.resume();
        const message = `the server answered HTTP ${status} for ${sidecar.url}`;
        if (status >= 500 || status === 429 || status === 408) {
          throw new RetryableError(InferenceErrorCode.DOWNLOAD_HTTP_STATUS, message, {
            status,
            url: sidecar.url,
          });
        }
        throw inferenceError(InferenceErrorCode.DOWNLOAD_HTTP_STATUS, message, {
          status,
          url: sidecar.url,
        });
      }
      let start = 0;
      let total: number | null = null;
      const length = Number(response.headers['content-length'] ?? NaN);
      if (status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(
          String(response.headers['content-range'] ?? ''),
        );
        if (!m || Number(m[1]) !== offset) {
          response.resume();
          await truncate(part, 0);
          job.hash = null;
          throw new RetryableError(
            InferenceErrorCode.DOWNLOAD_NETWORK,
            'unexpected Content-Range; restarting',
          );
        }
        start = offset;
        total = m[3] === '*' ? null : Number(m[3]);
      } else {
        // 200: the server sent the whole file (no range support, or If-Range saw a new version).
        if (offset > 0) {
          await truncate(part, 0);
          job.resumedFrom = 0;
          this.log?.info({ id: sidecar.id }, 'server sent the whole file; restarting from zero');
        }
        job.hash = createHash('sha256');
        job.hashedBytes = 0;
        total = Number.isFinite(length) ? length : null;
      }
      total ??= hopSize;
      if (total !== null) {
        if (sidecar.sizeExact && sidecar.expectedSize !== null && total !== sidecar.expectedSize) {
          response.resume();
          throw inferenceError(
            InferenceErrorCode.DOWNLOAD_SIZE_MISMATCH,
            `the server offers ${total} bytes, the catalogue expects ${sidecar.expectedSize}`,
            { expected: sidecar.expectedSize, actual: total },
          );
        }
        job.total = total;
        sidecar.expectedSize = total;
        sidecar.sizeExact = true;
      }
      const serverSha = hopSha ?? sha256FromHeaders(response.headers);
      if (!sidecar.sha256 && serverSha) {
        sidecar.sha256 = serverSha;
        sidecar.sha256Source = 'server';
      }
      const etag = response.headers.etag;
      sidecar.validator = typeof etag === 'string' && !etag.startsWith('W/') ? etag : null;
      // Saved and checked while the body already streams: awaiting here would leave the response
      // unread, and a connection cut meanwhile would discard the bytes it had buffered.
      const prepared = Promise.all([
        this.saveSidecar(sidecar),
        total !== null ? this.checkSpace(total, start) : undefined,
      ]);
      prepared.catch((error: unknown) => response.destroy(error as Error));
      job.received = start;
      job.speed.reset();
      job.speed.add(start);
      await this.stream(job, response, part, signal);
      await prepared;
      if (job.total !== null && job.received < job.total) {
        throw new RetryableError(
          InferenceErrorCode.DOWNLOAD_NETWORK,
          `the connection closed at ${job.received} of ${job.total} bytes`,
        );
      }
      job.total ??= job.received;
    } finally {
      response.destroy();
    }
    await this.verify(job);
  }

  private request(
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal,
    hops = 0,
    hopSha: string | null = null,
    hopSize: number | null = null,
  ): Promise<{ response: http.IncomingMessage; hopSha: string | null; hopSize: number | null }> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.get(target, { headers, signal }, (response) => {
        // From here the body's silence is watched by `stream`, which reports it as a stall.
        req.setTimeout(0);
        const status = response.statusCode ?? 0;
        // Hugging Face states the LFS hash and size on the redirect to its CDN.
        const sha =
          hopSha ?? sha256FromHeaders({ 'x-linked-etag': response.headers['x-linked-etag'] });
        const linkedSize = Number(response.headers['x-linked-size'] ?? NaN);
        const size = hopSize ?? (Number.isFinite(linkedSize) ? linkedSize : null);
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          if (hops >= 10) {
            reject(
              inferenceError(InferenceErrorCode.DOWNLOAD_HTTP_STATUS, 'too many redirects', {
                status,
                url,
              }),
            );
            return;
          }
          const next = new URL(response.headers.location, target).toString();
          this.request(next, headers, signal, hops + 1, sha, size).then(resolve, reject);
          return;
        }
        resolve({ response, hopSha: sha, hopSize: size });
      });
      req.setTimeout(this.stallTimeoutMs, () => {
        req.destroy(
          new RetryableError(
            InferenceErrorCode.DOWNLOAD_STALLED,
            `no answer from the server in ${this.stallTimeoutMs} ms`,
            {
              stallTimeoutMs: this.stallTimeoutMs,
            },
          ),
        );
      });
      req.on('error', (error) => reject(toRetryable(error)));
    });
  }

  private async stream(
    job: Job,
    response: http.IncomingMessage,
    part: string,
    signal: AbortSignal,
  ): Promise<void> {
    const out = this.openPart(part);
    let writeError: Error | null = null;
    out.on('error', (error) => {
      writeError = error;
    });
    // One timer checks for silence, instead of re-arming a timeout per chunk (16k chunks/s at 1 GB/s).
    let lastData = performance.now();
    const stallTimer = setInterval(
      () => {
        if (performance.now() - lastData < this.stallTimeoutMs) return;
        response.destroy(
          new RetryableError(
            InferenceErrorCode.DOWNLOAD_STALLED,
            `no data for ${Math.round(this.stallTimeoutMs / 1000)} s; the download stalled`,
            { stallTimeoutMs: this.stallTimeoutMs },
          ),
        );
      },
      Math.max(10, Math.min(1000, this.stallTimeoutMs / 4)),
    );
    const onAbort = () => response.destroy(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of response) {
        const buf = chunk as Buffer;
        lastData = performance.now();
        job.hash!.update(buf);
        job.hashedBytes += buf.length;
        job.received += buf.length;
        if (!out.write(buf)) await drained(out);
        if (writeError) throw writeError;
        this.emitProgress(job);
      }
    } catch (error) {
      if (isNoesisError(error)) throw error;
      throw writeError ? toDiskError(writeError, this.modelsDir) : toRetryable(error);
    } finally {
      clearInterval(stallTimer);
      signal.removeEventListener('abort', onAbort);
      await closeWritable(out);
      if (writeError && !signal.aborted) {
        // The bytes on disk may be fewer than hashed; the next run re-hashes the part.
        job.hash = null;
      }
    }
    if (writeError) throw toDiskError(writeError, this.modelsDir);
  }

  private async verify(job: Job): Promise<void> {
    const { sidecar } = job;
    const part = this.partFile(sidecar.fileName);
    this.setState(job, 'verifying');
    const size = (await stat(part)).size;
    if (job.total !== null && size !== job.total) {
      await this.removePart(sidecar.fileName);
      throw inferenceError(
        InferenceErrorCode.DOWNLOAD_SIZE_MISMATCH,
        `the downloaded file has ${size} bytes instead of ${job.total}; the file was removed`,
        { expected: job.total, actual: size },
      );
    }
    if (!job.hash || job.hashedBytes !== size) await this.rehash(job, part, size);
    const actual = job.hash!.digest('hex');
    job.hash = null;
    let verifiedBy: DownloadResult['verifiedBy'] = 'sha256';
    if (sidecar.sha256) {
      if (actual !== sidecar.sha256) {
        await this.removePart(sidecar.fileName);
        throw inferenceError(
          InferenceErrorCode.DOWNLOAD_HASH_MISMATCH,
          `the downloaded file is corrupt: its SHA-256 is ${actual}, expected ${sidecar.sha256} (from the ${sidecar.sha256Source}); the file was removed`,
          { expected: sidecar.sha256, actual, source: sidecar.sha256Source },
        );
      }
    } else {
      verifiedBy = 'size+gguf';
      if (!isGgufHeader(await readHeader(part))) {
        await this.removePart(sidecar.fileName);
        throw inferenceError(
          InferenceErrorCode.NOT_GGUF,
          `the downloaded file is not a GGUF model; the file was removed`,
          { path: sidecar.url },
        );
      }
    }
    const handle = await open(part, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const target = path.join(this.modelsDir, sidecar.fileName);
    await rename(part, target);
    await fsyncDir(this.modelsDir);
    await rm(this.sidecarFile(sidecar.fileName), { force: true });
    job.path = target;
    job.result = {
      id: sidecar.id,
      modelId: sidecar.modelId,
      fileName: sidecar.fileName,
      path: target,
      url: sidecar.url,
      sizeBytes: size,
      sha256: actual,
      verifiedBy,
    };
    this.log?.info(
      { id: sidecar.id, verifiedBy, sha256: actual },
      'download verified and installed',
    );
    this.setState(job, 'done');
    this.emit('done', job.result);
    for (const w of job.waiters.splice(0)) w.resolve(job.result);
  }
}

function toRetryable(error: unknown): Error {
  if (error instanceof RetryableError || error instanceof NoesisError) return error;
  const e = error as NodeJS.ErrnoException;
  return new RetryableError(
    InferenceErrorCode.DOWNLOAD_NETWORK,
    `network error: ${e?.message ?? String(error)}`,
    { cause: e?.code ?? null },
  );
}

function toDiskError(error: Error, dir: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
    return inferenceError(
      InferenceErrorCode.DOWNLOAD_DISK_FULL,
      `the disk is full (${dir}); free some space and resume: the part downloaded so far is kept`,
      { dir },
    );
  }
  return error;
}

/** Resolves on 'drain', or on 'error'/'close' (the caller then checks the error it recorded). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
}

function closeWritable(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableFinished) {
      resolve();
      return;
    }
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
    stream.end();
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
