/**
 * ModelDownloader against a local HTTP server that misbehaves on purpose: corrupt bytes, 404, 500,
 * stalls, dropped connections, a full disk, a process killed mid-download.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ModelDownloader,
  type ModelDownloaderOptions,
} from '../../electron/node/inference/downloader.ts';
import { InferenceErrorCode } from '../../electron/node/inference/errors.ts';
import type { DownloadProgress } from '../../electron/node/inference/types.ts';
import { isNoesisError } from '../../electron/node/errors.ts';
import { buildTinyLlama } from '../fixtures/gguf/index.ts';
import { startTestServer, type TestServer } from '../fixtures/http-server.ts';

const MODEL = buildTinyLlama({ seed: 7 });
const SHA = createHash('sha256').update(MODEL).digest('hex');

let server: TestServer;
let dir: string;

function downloader(options: Partial<ModelDownloaderOptions> = {}): ModelDownloader {
  return new ModelDownloader({
    modelsDir: path.join(dir, 'models'),
    retries: 3,
    backoffMs: 10,
    stallTimeoutMs: 2000,
    progressIntervalMs: 0,
    spaceMarginBytes: 0,
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  assert.fail('expected a rejection');
}

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'noesis-dl-'));
  server.requests.length = 0;
});

describe('ModelDownloader', () => {
  it('downloads, verifies the catalogue sha256 and installs atomically', async () => {
    server.route('/ok.gguf', { body: MODEL });
    const d = downloader();
    const events: DownloadProgress[] = [];
    d.on('progress', (p) => events.push(p));
    await d.start({
      id: 'ok',
      url: `${server.url}/ok.gguf`,
      fileName: 'ok.gguf',
      sha256: SHA,
      expectedSize: MODEL.length,
      sizeExact: true,
    });
    const result = await d.wait('ok');
    assert.equal(result.verifiedBy, 'sha256');
    assert.equal(result.sha256, SHA);
    assert.deepEqual(await readFile(path.join(dir, 'models', 'ok.gguf')), MODEL);
    assert.deepEqual(await readdir(path.join(dir, 'models', '.downloads')), []);
    assert.ok(events.some((e) => e.state === 'downloading'));
    assert.ok(events.some((e) => e.state === 'verifying'));
    assert.equal(events.at(-1)!.state, 'done');
    assert.equal(events.at(-1)!.percent, 100);
  });

  it("takes the expected sha256 from Hugging Face's x-linked-etag on the redirect", async () => {
    server.route('/cdn/hf.gguf', { body: MODEL });
    server.redirect('/repo/resolve/main/hf.gguf', '/cdn/hf.gguf', {
      'x-linked-etag': `"${SHA}"`,
      'x-linked-size': String(MODEL.length),
    });
    const d = downloader();
    const started = await d.start({
      id: 'hf',
      url: `${server.url}/repo/resolve/main/hf.gguf`,
      fileName: 'hf.gguf',
    });
    assert.equal(started.sha256Source, 'none');
    const result = await d.wait('hf');
    assert.equal(result.verifiedBy, 'sha256');
    assert.equal(d.get('hf')!.sha256Source, 'server');
  });

  it('removes a corrupt download and says so (hash mismatch)', async () => {
    server.route('/corrupt.gguf', { body: MODEL, corrupt: true });
    const d = downloader();
    await d.start({ id: 'c', url: `${server.url}/corrupt.gguf`, fileName: 'c.gguf', sha256: SHA });
    const error = await rejection(d.wait('c'));
    assert.equal(error.code, InferenceErrorCode.DOWNLOAD_HASH_MISMATCH);
    assert.match(error.message, /corrupt.*removed/);
    assert.equal(existsSync(path.join(dir, 'models', 'c.gguf')), false);
    assert.equal(existsSync(path.join(dir, 'models', '.downloads', 'c.gguf.part')), false);
    assert.equal(d.get('c')!.state, 'failed');
  });

  it('without any known hash checks size and the GGUF header, and refuses a non-GGUF file', async () => {
    server.route('/nohash.gguf', { body: MODEL });
    server.route('/html.gguf', { body: Buffer.from('<html>login required</html>') });
    const d = downloader();
    await d.start({ id: 'n', url: `${server.url}/nohash.gguf`, fileName: 'n.gguf' });
    assert.equal((await d.wait('n')).verifiedBy, 'size+gguf');
    await d.start({ id: 'h', url: `${server.url}/html.gguf`, fileName: 'h.gguf' });
    const error = await rejection(d.wait('h'));
    assert.equal(error.code, InferenceErrorCode.NOT_GGUF);
    assert.equal(existsSync(path.join(dir, 'models', 'h.gguf')), false);
  });

  it('fails at once on 404, without retrying', async () => {
    const d = downloader();
    await d.start({ id: 'x', url: `${server.url}/missing.gguf`, fileName: 'x.gguf' });
    const error = await rejection(d.wait('x'));
    assert.equal(error.code, InferenceErrorCode.DOWNLOAD_HTTP_STATUS);
    assert.match(error.message, /HTTP 404/);
    assert.equal(server.requests.filter((r) => r.path === '/missing.gguf').length, 1);
  });

  it('retries 500 with backoff, then reports it clearly', async () => {
    server.route('/500.gguf', { status: 500 });
    const d = downloader({ retries: 2 });
    await d.start({ id: 'e', url: `${server.url}/500.gguf`, fileName: 'e.gguf' });
    const error = await rejection(d.wait('e'));
    assert.equal(error.code, InferenceErrorCode.DOWNLOAD_HTTP_STATUS);
    assert.match(error.message, /HTTP 500/);
    assert.equal(server.requests.filter((r) => r.path === '/500.gguf').length, 3);
  });

  it('recovers from transient 500s', async () => {
    server.route('/flaky.gguf', { body: MODEL, failFirst: 2 });
    const d = downloader();
    await d.start({ id: 'f', url: `${server.url}/flaky.gguf`, fileName: 'f.gguf', sha256: SHA });
    assert.equal((await d.wait('f')).sha256, SHA);
    assert.equal(d.get('f')!.attempt, 2);
  });

  it('resumes with Range after the connection drops mid-stream', async () => {
    server.route('/drop.gguf', { body: MODEL, dropAfter: 100_000, dropTimes: 2 });
    const d = downloader();
    await d.start({ id: 'd', url: `${server.url}/drop.gguf`, fileName: 'd.gguf', sha256: SHA });
    assert.equal((await d.wait('d')).sha256, SHA);
    const ranges = server.requests.filter((r) => r.path === '/drop.gguf').map((r) => r.range);
    assert.deepEqual(ranges, [null, 'bytes=100000-', 'bytes=200000-']);
  });

  it('reports a stalled server and keeps the partial file for resume', async () => {
    server.route('/stall.gguf', { body: MODEL, stallAfter: 65_536 });
    const d = downloader({ retries: 0, stallTimeoutMs: 300 });
    await d.start({ id: 's', url: `${server.url}/stall.gguf`, fileName: 's.gguf', sha256: SHA });
    const error = await rejection(d.wait('s'));
    assert.equal(error.code, InferenceErrorCode.DOWNLOAD_STALLED);
    assert.equal((await stat(path.join(dir, 'models', '.downloads', 's.gguf.part'))).size, 65_536);
    // The server recovers (stallTimes defaults to 1): resuming continues from the kept bytes.
    await d.resume('s');
    assert.equal((await d.wait('s')).sha256, SHA);
    assert.equal(d.get('s')!.resumedFromBytes, 65_536);
    assert.equal(server.requests.at(-1)!.range, 'bytes=65536-');
  });

  it('refuses to start when the free-space check fails, writing nothing', async () => {
    server.route('/big.gguf', { body: MODEL });
    const d = downloader({ freeSpace: async () => 1000 });
    const error = await rejection(
      d.start({
        id: 'b',
        url: `${server.url}/big.gguf`,
        fileName: 'b.gguf',
        expectedSize: MODEL.length,
      }),
    );
    assert.equal(error.code, InferenceErrorCode.DOWNLOAD_DISK_SPACE);
    assert.match(error.message, /not enough disk space/);
    assert.equal(server.requests.length, 0);
    assert.equal(existsSync(path.join(dir, 'models', '.downloads', 'b.gguf.part')), false);
  });

  it('checks the space again once the server states the size', async () => {
    server.route('/unknown-size.gguf', { body: MODEL });
    const d = downloader({ freeSpace: async () => 1000 });
    await d.start({ id: 'u', url: `${server.url}/unknown-size.gguf`, fileName: 'u.gguf' });
    const error = await rejection(d.wait('u'));
    assert.equal(error.code, InferenceErrorCode.DOWNLOAD_DISK_SPACE);
  });

  it('stops with a clear error when the disk fills during the download (ENOSPC)', async () => {
    server.route('/fill.gguf', { body: MODEL });
    let written = 0;
    const d = downloader({
      openPart: () =>
        new Writable({
          write(chunk: Buffer, _enc, callback) {
            written += chunk.length;
            if (written > 100_000) {
              callback(
                Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
              );
            } else callback();
          },
        }),
    });
    await d.start({
      id: 'full',
      url: `${server.url}/fill.gguf`,
      fileName: 'full.gguf',
      sha256: SHA,
    });
    const error = await rejection(d.wait('full'));
    assert.equal(error.code, InferenceErrorCode.DOWNLOAD_DISK_FULL);
    assert.match(error.message, /disk is full/);
  });

  it('pauses, resumes and cancels', async () => {
    server.route('/slow.gguf', { body: MODEL, throttle: 400_000 });
    const d = downloader();
    await d.start({ id: 'p', url: `${server.url}/slow.gguf`, fileName: 'p.gguf', sha256: SHA });
    await new Promise((r) => setTimeout(r, 200));
    const paused = await d.pause('p');
    assert.equal(paused.state, 'paused');
    assert.ok(paused.receivedBytes > 0 && paused.receivedBytes < MODEL.length);
    await d.resume('p');
    assert.equal((await d.wait('p')).sha256, SHA);
    assert.ok(d.get('p')!.resumedFromBytes > 0);

    await d.start({ id: 'q', url: `${server.url}/slow.gguf`, fileName: 'q.gguf', sha256: SHA });
    await new Promise((r) => setTimeout(r, 150));
    const cancelled = await d.cancel('q');
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(existsSync(path.join(dir, 'models', '.downloads', 'q.gguf.part')), false);
    assert.equal(existsSync(path.join(dir, 'models', '.downloads', 'q.gguf.json')), false);
  });

  it('resumes after the process was killed, on the next start', async () => {
    server.route('/killed.gguf', { body: MODEL, throttle: 300_000 });
    const modelsDir = path.join(dir, 'models');
    const child = fork(
      fileURLToPath(new URL('./models-download-child.ts', import.meta.url)),
      [modelsDir, `${server.url}/killed.gguf`, SHA],
      { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    // The child reports progress; kill it hard once a good part of the file is on disk.
    await new Promise<void>((resolve) => {
      child.on('message', (m) => {
        if ((m as { received: number }).received >= 120_000) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const d = downloader();
    const restored = await d.restore();
    assert.equal(restored.length, 1);
    assert.equal(restored[0]!.state, 'paused');
    d.resumeAll();
    const result = await d.wait('killed');
    assert.equal(result.sha256, SHA);
    const progress = d.get('killed')!;
    assert.ok(progress.resumedFromBytes > 0, 'resumed from the bytes on disk');
    assert.ok(progress.resumedAtPercent! > 0 && progress.resumedAtPercent! < 100);
    assert.match(server.requests.at(-1)!.range ?? '', /^bytes=\d+-$/);
  });

  it('does not start a download for a file that is already installed', async () => {
    server.route('/twice.gguf', { body: MODEL });
    const d = downloader();
    await d.start({ id: 't', url: `${server.url}/twice.gguf`, fileName: 't.gguf', sha256: SHA });
    await d.wait('t');
    const error = await rejection(
      d.start({ id: 't2', url: `${server.url}/twice.gguf`, fileName: 't.gguf' }),
    );
    assert.ok(isNoesisError(error, InferenceErrorCode.DOWNLOAD_EXISTS));
  });
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});
