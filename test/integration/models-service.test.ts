/**
 * ModelsService through the API handlers, end to end on 127.0.0.1: catalogue with fit, download
 * of a catalogue model from a local server, load, streamed completion, add from URL and from a
 * local file, delete with the bytes freed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createModelsHandlers } from '../../electron/node/inference/api.ts';
import { InferenceErrorCode } from '../../electron/node/inference/errors.ts';
import { ModelsService, type TokenEvent } from '../../electron/node/inference/models-service.ts';
import { buildTinyLlama } from '../fixtures/gguf/index.ts';
import { startTestServer, type TestServer } from '../fixtures/http-server.ts';

const MODEL = buildTinyLlama({ seed: 11 });
const SHA = createHash('sha256').update(MODEL).digest('hex');
const OTHER = buildTinyLlama({ seed: 12 });

let server: TestServer;
let dir: string;
let service: ModelsService;
let api: ReturnType<typeof createModelsHandlers>;

before(async () => {
  server = await startTestServer();
  server.route('/tiny.gguf', { body: MODEL });
  server.route('/other.gguf', { body: OTHER, etag: '"v1"' });
  dir = await mkdtemp(path.join(tmpdir(), 'noesis-models-'));
  const catalogPath = path.join(dir, 'catalog.json');
  const entry = {
    id: 'tiny-test',
    name: 'Tiny test model',
    family: 'Test',
    parameters: '0.1M',
    quantization: 'F32',
    fileName: 'tiny-test.gguf',
    url: `${server.url}/tiny.gguf`,
    source: `${server.url}/`,
    sizeBytes: MODEL.length,
    sizeExact: true,
    sha256: SHA,
    contextLength: 1024,
    layers: 2,
    license: 'mit',
    ramBytes: 64_000_000,
    vramBytes: 64_000_000,
  };
  await writeFile(
    catalogPath,
    JSON.stringify({ version: 1, estimateContextSize: 512, models: [entry] }),
  );
  service = new ModelsService({
    dataDir: dir,
    catalogPath,
    engine: { gpu: false },
    loadDefaults: { threads: 1, contextSize: 256 },
    downloader: { progressIntervalMs: 0, spaceMarginBytes: 0, backoffMs: 10 },
  });
  await service.start();
  api = createModelsHandlers(service);
});

after(async () => {
  await service.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ModelsService', () => {
  it('lists the catalogue with the fit and a recommendation', async () => {
    const catalog = await api['models.catalog']({});
    assert.equal(catalog.hardware?.gpu.kind, 'none');
    assert.equal(catalog.models[0]!.fit?.device, 'cpu');
    assert.equal(catalog.models[0]!.fitText, 'runs on the CPU');
    assert.equal(catalog.recommendedId, 'tiny-test');
  });

  it('downloads a catalogue model, verifies it and lists it as installed', async () => {
    const events: string[] = [];
    service.on('download', (p) => events.push(p.state));
    const started = await api['models.download']({ id: 'tiny-test' });
    assert.equal(started.sha256Source, 'catalog');
    const result = await service.downloader.wait('tiny-test');
    assert.equal(result.verifiedBy, 'sha256');
    assert.ok(events.includes('verifying') && events.includes('done'));
    // The index is written right after the done event.
    await new Promise((r) => setTimeout(r, 50));
    const list = await api['models.list']({});
    assert.equal(list.installed.length, 1);
    assert.equal(list.installed[0]!.catalogId, 'tiny-test');
    assert.equal((await api['models.catalog']({})).models[0]!.installedId, 'tiny-test');
  });

  it('loads it, streams a completion as token events, and stops one on request', async () => {
    const loaded = await api['models.load']({ id: 'tiny-test' });
    assert.equal(loaded.device, 'cpu');
    const tokens: TokenEvent[] = [];
    service.on('token', (t) => tokens.push(t));
    const result = await api['models.complete']({
      prompt: 'hello',
      maxTokens: 10,
      requestId: 'r1',
    });
    assert.equal(result.requestId, 'r1');
    assert.equal(result.completionTokens, 10);
    assert.equal(
      tokens
        .filter((t) => t.requestId === 'r1')
        .map((t) => t.text)
        .join(''),
      result.text,
    );
    service.once('token', () => void api['models.stopCompletion']({ requestId: 'r2' }));
    const stopped = await api['models.complete']({
      prompt: 'go on',
      maxTokens: 5000,
      requestId: 'r2',
    });
    assert.equal(stopped.stopReason, 'cancelled');
    const embedding = await api['models.embed']({ text: 'hello' });
    assert.equal(embedding.vector.length, 64);
  });

  it('adds a model from a URL and from a local file, and refuses a non-GGUF file', async () => {
    const progress = await api['models.addUrl']({ url: `${server.url}/other.gguf` });
    const result = await service.downloader.wait(progress.id);
    assert.equal(result.verifiedBy, 'size+gguf');
    const local = path.join(dir, 'local.gguf');
    await writeFile(local, buildTinyLlama({ seed: 13 }));
    const added = await api['models.addFile']({ path: local });
    assert.equal(added.source, 'file');
    const bad = path.join(dir, 'notes.txt');
    await writeFile(bad, 'hello');
    await assert.rejects(api['models.addFile']({ path: bad }), {
      code: InferenceErrorCode.NOT_GGUF,
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await api['models.list']({})).installed.length, 3);
  });

  it('deletes an installed model (unloading it) and says how many bytes it freed', async () => {
    const freed = await api['models.delete']({ id: 'tiny-test' });
    assert.equal(freed.freedBytes, MODEL.length);
    assert.equal((await api['models.list']({})).engine.model, null);
    await assert.rejects(api['models.load']({ id: 'tiny-test' }), {
      code: InferenceErrorCode.NOT_FOUND,
    });
  });
});
