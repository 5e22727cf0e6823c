/**
 * The engine on the tiny fixture model, in its own process: load, stream, cancel, counts,
 * embeddings, concurrency, refusals, and a worker killed mid-generation.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InferenceEngine } from '../../../electron/node/inference/engine.ts';
import { InferenceErrorCode } from '../../../electron/node/inference/errors.ts';
import { buildHugeLlamaHeader, buildTinyLlama } from '../../fixtures/gguf/index.ts';

let dir: string;
let modelFile: string;
let engine: InferenceEngine;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'noesis-engine-'));
  modelFile = path.join(dir, 'tiny.gguf');
  await writeFile(modelFile, buildTinyLlama({ seed: 1 }));
  engine = new InferenceEngine({ gpu: false });
});
after(async () => {
  await engine.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('InferenceEngine', () => {
  it('reports hardware from the engine process', async () => {
    const hw = await engine.hardware();
    assert.equal(hw.gpu.kind, 'none');
    assert.equal(hw.gpu.reason, 'disabled');
    assert.ok(hw.ram.totalBytes > 0 && hw.cpu.threads > 0);
    assert.notEqual(engine.pid, process.pid);
  });

  it('refuses a file that is not GGUF before loading it', async () => {
    const bad = path.join(dir, 'bad.gguf');
    await writeFile(bad, 'not a model at all');
    await assert.rejects(engine.load(bad), { code: InferenceErrorCode.NOT_GGUF });
  });

  it('refuses a model that does not fit, with the numbers', async () => {
    const huge = path.join(dir, 'huge.gguf');
    await writeFile(huge, buildHugeLlamaHeader());
    await assert.rejects(
      engine.load(huge, { threads: 1 }),
      (error: { code: string; data: Record<string, number> }) => {
        assert.equal(error.code, InferenceErrorCode.MODEL_DOES_NOT_FIT);
        assert.ok(error.data.ramNeededBytes! > error.data.ramFreeBytes!);
        return true;
      },
    );
    assert.equal(engine.status().state, 'ready');
  });

  it('loads the model on the CPU and streams a completion with counts and timings', async () => {
    const loaded = await engine.load(modelFile, { threads: 1, contextSize: 512, sequences: 2 });
    assert.equal(loaded.device, 'cpu');
    assert.equal(loaded.gpuLayers, 0);
    const chunks: string[] = [];
    const result = await engine.complete(
      { prompt: 'hello world', maxTokens: 24 },
      { onText: (text) => chunks.push(text) },
    );
    assert.equal(result.completionTokens, 24);
    assert.equal(result.stopReason, 'maxTokens');
    assert.ok(result.promptTokens >= 2);
    assert.ok(chunks.length > 1, 'streamed in several chunks');
    assert.equal(chunks.join(''), result.text);
    assert.ok(result.ttftMs !== null && result.ttftMs > 0);
    assert.ok(result.tokensPerSecond !== null && result.tokensPerSecond > 0);
    const again = await engine.complete({ prompt: 'hello world', maxTokens: 24 });
    assert.equal(again.text, result.text, 'greedy decoding is reproducible');
  });

  it('cancels a completion and returns what was generated', async () => {
    const controller = new AbortController();
    let seen = 0;
    const result = await engine.complete(
      { prompt: 'a long story', maxTokens: 4000 },
      {
        signal: controller.signal,
        onText: () => {
          if (++seen === 3) controller.abort();
        },
      },
    );
    assert.equal(result.stopReason, 'cancelled');
    assert.ok(result.completionTokens < 4000);
  });

  it('runs a bounded number of sequences at once and queues the rest', async () => {
    const results = await Promise.all(
      ['one', 'two', 'three'].map((prompt) => engine.complete({ prompt, maxTokens: 8 })),
    );
    for (const r of results) assert.equal(r.completionTokens, 8);
  });

  it('computes embeddings', async () => {
    const a = await engine.embed('hello');
    const b = await engine.embed('hello');
    assert.equal(a.vector.length, 64);
    assert.deepEqual(a.vector, b.vector);
    assert.ok(a.tokens >= 1);
  });

  it('survives a crash of the engine process, reports it and restarts', async () => {
    const crashes: unknown[] = [];
    engine.on('crash', (c) => crashes.push(c));
    const pid = engine.pid!;
    const pending = engine.complete(
      { prompt: 'crash me', maxTokens: 100_000 },
      { onText: () => process.kill(pid, 'SIGKILL') },
    );
    await assert.rejects(pending, { code: InferenceErrorCode.ENGINE_CRASHED });
    const status = engine.status();
    assert.equal(status.state, 'crashed');
    assert.equal(status.lastCrash?.during, 'generate');
    assert.equal(status.lastCrash?.signal, 'SIGKILL');
    assert.equal(crashes.length, 1);
    await assert.rejects(engine.complete({ prompt: 'x' }), {
      code: InferenceErrorCode.NO_MODEL_LOADED,
    });

    const restarted = await engine.restart({ reload: true });
    assert.equal(restarted.state, 'loaded');
    assert.notEqual(engine.pid, pid);
    const after = await engine.complete({ prompt: 'hello world', maxTokens: 4 });
    assert.equal(after.completionTokens, 4);
  });
});
