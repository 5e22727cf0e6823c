/**
 * Engine benchmark: tokens per second and time to first token of our engine (llama.cpp in its own
 * process, text streamed over IPC) against node-llama-cpp's raw API in this process, on the same
 * model, prompt and settings, greedy decoding. Prints one table.
 *
 *   node bench/engine.ts [--gpu] [--model FILE.gguf] [--tokens 128] [--runs 5] [--threads N]
 *                        [--size small|medium]
 *
 * Without --model it writes a random llama fixture (small: 512 wide, 8 layers, F16; medium: 1024
 * wide, 12 layers) to a temp folder and deletes it after. With --gpu both sides offload all the
 * layers that fit (`gpuLayers: 'auto'`) on whatever backend llama.cpp finds.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getLlama, LlamaCompletion } from 'node-llama-cpp';
import { InferenceEngine } from '../electron/node/inference/engine.ts';
import { buildTinyLlama } from '../test/fixtures/gguf/index.ts';

const { values } = parseArgs({
  options: {
    gpu: { type: 'boolean', default: false },
    model: { type: 'string' },
    tokens: { type: 'string', default: '128' },
    runs: { type: 'string', default: '5' },
    threads: { type: 'string' },
    size: { type: 'string', default: 'small' },
  },
});
const maxTokens = Number(values.tokens);
const runs = Number(values.runs);
const threads = values.threads ? Number(values.threads) : values.gpu ? undefined : 1;
const prompt = 'The quick brown fox jumps over the lazy dog. Tell me a story about a fox';
const contextSize = 1024;

interface Sample {
  ttftMs: number;
  tokensPerSecond: number;
  tokens: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function rawRuns(
  file: string,
): Promise<{ samples: Sample[]; gpuLayers: number; backend: string }> {
  const llama = await getLlama({
    gpu: values.gpu ? 'auto' : false,
    build: 'never',
    logLevel: 'error' as never,
  });
  const model = await llama.loadModel({ modelPath: file, gpuLayers: values.gpu ? 'auto' : 0 });
  const context = await model.createContext({ contextSize, ...(threads ? { threads } : {}) });
  const sequence = context.getSequence();
  const samples: Sample[] = [];
  for (let i = 0; i <= runs; i++) {
    await sequence.clearHistory();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const before = sequence.tokenMeter.getState().usedOutputTokens;
    const start = performance.now();
    let first: number | null = null;
    let last = start;
    let streamed = 0;
    await completion.generateCompletion(prompt, {
      maxTokens,
      temperature: 0,
      onToken: (t) => {
        const now = performance.now();
        first ??= now;
        last = now;
        streamed += t.length;
      },
    });
    completion.dispose({ disposeSequence: false });
    const tokens = sequence.tokenMeter.getState().usedOutputTokens - before;
    // Run 0 warms caches and is not counted, for both sides.
    if (i > 0 && first !== null) {
      samples.push({
        ttftMs: first - start,
        tokensPerSecond: ((streamed - 1) * 1000) / (last - first),
        tokens,
      });
    }
  }
  const result = { samples, gpuLayers: model.gpuLayers, backend: String(llama.gpu || 'cpu') };
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return result;
}

async function engineRuns(
  file: string,
): Promise<{ samples: Sample[]; gpuLayers: number; backend: string }> {
  const engine = new InferenceEngine({ gpu: values.gpu ? 'auto' : false });
  const loaded = await engine.load(file, {
    contextSize,
    gpuLayers: values.gpu ? 'auto' : 0,
    ...(threads ? { threads } : {}),
  });
  const samples: Sample[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = await engine.complete({ prompt, maxTokens, temperature: 0 });
    if (i > 0 && r.ttftMs !== null && r.tokensPerSecond !== null) {
      samples.push({
        ttftMs: r.ttftMs,
        tokensPerSecond: r.tokensPerSecond,
        tokens: r.completionTokens,
      });
    }
  }
  await engine.dispose();
  return {
    samples,
    gpuLayers: loaded.gpuLayers,
    backend: loaded.backend === 'none' ? 'cpu' : loaded.backend,
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'noesis-bench-engine-'));
try {
  let file = values.model;
  if (!file) {
    file = path.join(dir, 'bench.gguf');
    const shape =
      values.size === 'medium'
        ? { embd: 1024, layers: 12, ff: 2816, heads: 16, vocab: 1600 }
        : { embd: 512, layers: 8, ff: 1408, heads: 8, vocab: 1600 };
    await writeFile(
      file,
      buildTinyLlama({
        seed: 42,
        suppressEos: true,
        f16: true,
        contextLength: 2048,
        outputGain: 1,
        ...shape,
      }),
    );
  }
  // Alternate the order so neither side always runs on a warmer machine.
  const raw1 = await rawRuns(file);
  const eng1 = await engineRuns(file);
  const eng2 = await engineRuns(file);
  const raw2 = await rawRuns(file);
  const raw = [...raw1.samples, ...raw2.samples];
  const eng = [...eng1.samples, ...eng2.samples];
  const row = (name: string, s: Sample[], layers: number, backend: string, base?: Sample[]) => {
    const tps = median(s.map((x) => x.tokensPerSecond));
    const ttft = median(s.map((x) => x.ttftMs));
    const delta = base
      ? `${(((tps - median(base.map((x) => x.tokensPerSecond))) / median(base.map((x) => x.tokensPerSecond))) * 100).toFixed(1)} %`
      : '';
    const dttft = base ? `${(ttft - median(base.map((x) => x.ttftMs))).toFixed(2)} ms` : '';
    return `| ${name.padEnd(28)} | ${backend.padEnd(7)} | ${String(layers).padStart(10)} | ${String(median(s.map((x) => x.tokens))).padStart(6)} | ${tps.toFixed(1).padStart(9)} | ${delta.padStart(8)} | ${ttft.toFixed(2).padStart(9)} | ${dttft.padStart(9)} |`;
  };
  console.log(
    `model: ${values.model ?? `random llama fixture (${values.size})`}, ${runs * 2} runs per side (medians), ${maxTokens} tokens, threads ${threads ?? 'auto'}, context ${contextSize}`,
  );
  console.log(
    '| variant                      | backend | GPU layers | tokens |     tok/s |   Δ tok/s | TTFT (ms) |    Δ TTFT |',
  );
  console.log(
    '|------------------------------|---------|------------|--------|-----------|----------|-----------|-----------|',
  );
  console.log(row('node-llama-cpp raw API', raw, raw1.gpuLayers, raw1.backend));
  console.log(row('Noesis engine (own process)', eng, eng1.gpuLayers, eng1.backend, raw));
} finally {
  await rm(dir, { recursive: true, force: true });
}
