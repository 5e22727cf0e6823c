/**
 * A GPU build that sees the card but cannot run on it crashes the engine process during the
 * load's warm-up (seen on an H100 with node-llama-cpp's prebuilt CUDA kernels). The node must
 * survive, switch the engine to the CPU, load again there and say why. The fault is injected
 * with NOESIS_SIMULATE_GPU_FAULT, which makes the worker abort in the GPU warm-up.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { InferenceEngine } from '../../../electron/node/inference/engine.ts';
import { buildTinyLlama } from '../../fixtures/gguf/index.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const engines: InferenceEngine[] = [];
after(() => Promise.all(engines.map((engine) => engine.dispose())));

test('a GPU crash during load falls back to the CPU, loads there, and says why', async () => {
  const modelFile = path.join(await tempDir(), 'tiny.gguf');
  await writeFile(modelFile, buildTinyLlama({ seed: 1 }));
  process.env.NOESIS_SIMULATE_GPU_FAULT = '1';
  const engine = new InferenceEngine({ gpu: 'auto' });
  engines.push(engine);
  const crashes: unknown[] = [];
  engine.on('crash', (crash) => crashes.push(crash));
  try {
    const loaded = await engine.load(modelFile, { threads: 1, contextSize: 256 });
    assert.equal(loaded.gpuLayers, 0);
    assert.equal(loaded.device, 'cpu');
  } finally {
    delete process.env.NOESIS_SIMULATE_GPU_FAULT;
  }
  assert.equal(crashes.length, 1, 'the first engine process crashed in the warm-up');
  const status = engine.status();
  assert.equal(status.state, 'loaded');
  assert.match(
    status.gpuFallback?.reason ?? '',
    /GPU build of llama\.cpp failed on this GPU .*running on the CPU/,
  );
  assert.match(status.gpuFallback?.reason ?? '', /simulated GPU fault/);
  const answer = await engine.complete({ prompt: 'hello', maxTokens: 4 });
  assert.ok(answer.completionTokens > 0, 'the CPU engine answers');
});

test('without a GPU in use, a load crash is reported as it is, with no fallback', async () => {
  const modelFile = path.join(await tempDir(), 'tiny.gguf');
  await writeFile(modelFile, buildTinyLlama({ seed: 2 }));
  const engine = new InferenceEngine({ gpu: false });
  engines.push(engine);
  const loaded = await engine.load(modelFile, { threads: 1, contextSize: 256 });
  assert.equal(loaded.device, 'cpu');
  assert.equal(engine.status().gpuFallback, null);
});
