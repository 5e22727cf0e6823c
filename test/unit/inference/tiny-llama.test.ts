/** The GGUF fixture writer: deterministic, variants share base weights, and llama.cpp runs it. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLlama, LlamaCompletion, type Llama } from 'node-llama-cpp';
import { buildTinyLlama, toFloat16Bits } from '../../fixtures/gguf/index.ts';

let dir: string;
let llama: Llama;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'noesis-gguf-'));
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
});
after(async () => {
  await llama.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function generate(file: string, prompt: string, maxTokens = 12) {
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: 256, threads: 1 });
  const sequence = context.getSequence();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  const text = await completion.generateCompletion(prompt, { maxTokens, temperature: 0 });
  const generated = sequence.tokenMeter.getState().usedOutputTokens;
  await context.dispose();
  await model.dispose();
  return { text, generated };
}

describe('tiny llama GGUF fixture', () => {
  it('is deterministic from its seed', () => {
    assert.ok(buildTinyLlama({ seed: 3 }).equals(buildTinyLlama({ seed: 3 })));
    assert.ok(!buildTinyLlama({ seed: 3 }).equals(buildTinyLlama({ seed: 4 })));
  });

  it('starts with the GGUF v3 magic and stores F16 matrices in about half the bytes', () => {
    const f32 = buildTinyLlama({ seed: 1 });
    const f16 = buildTinyLlama({ seed: 1, f16: true });
    assert.equal(f32.subarray(0, 4).toString('ascii'), 'GGUF');
    assert.equal(f32.readUInt32LE(4), 3);
    assert.ok(f16.length < f32.length * 0.6);
  });

  it('a noisy copy has the same layout and different weights', () => {
    const base = buildTinyLlama({ seed: 1 });
    const noisy = buildTinyLlama({ seed: 1, noise: 0.01 });
    assert.equal(noisy.length, base.length);
    assert.ok(!noisy.equals(base));
  });

  it('converts to IEEE half precision with round-to-nearest-even', () => {
    assert.equal(toFloat16Bits(1), 0x3c00);
    assert.equal(toFloat16Bits(-2), 0xc000);
    assert.equal(toFloat16Bits(65504), 0x7bff);
    assert.equal(toFloat16Bits(1e6), 0x7c00);
    assert.equal(toFloat16Bits(0), 0);
    assert.equal(toFloat16Bits(5.960464477539063e-8), 1);
  });

  it('loads in node-llama-cpp and generates tokens greedily, the same each run', async () => {
    const file = path.join(dir, 'a.gguf');
    await writeFile(file, buildTinyLlama({ seed: 1 }));
    const first = await generate(file, 'hello world');
    assert.equal(first.generated, 12);
    assert.ok(first.text.length > 0);
    assert.deepEqual(await generate(file, 'hello world'), first);
  });

  it('its F16, noisy and other-seed variants load and run too', async () => {
    for (const [name, options] of [
      ['f16', { seed: 1, f16: true }],
      ['noise', { seed: 1, noise: 0.01 }],
      ['other', { seed: 2 }],
    ] as const) {
      const file = path.join(dir, `${name}.gguf`);
      await writeFile(file, buildTinyLlama(options));
      assert.equal((await generate(file, 'task one', 4)).generated, 4, name);
    }
  });
});
