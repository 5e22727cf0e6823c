/**
 * Task protocol benchmark: tokens per second a validator receives over libp2p on 127.0.0.1
 * against the generator's own rate, and the time to first token that the network path adds
 * (request frame out, checks and signature verification on the miner, first tokens frame back).
 * The miner runs in another process (TaskServer, real hosts with hotkey peer ids, Noise, Yamux,
 * TCP); the validator is this process (TaskClient, timings on its performance.now() clock). Prints
 * one table, medians over the runs.
 *
 *   node bench/task-stream.ts [--tokens 256] [--runs 5] [--rates 20,100,500] [--engine]
 *                             [--model FILE.gguf]
 *
 * Generators (pluggable: `generatorFor` in the miner process):
 *   rate:N    a synthetic generator emitting one token every 1000/N ms on a drift-free schedule
 *   max       one token per callback, yielding to the event loop between tokens
 *   engine    InferenceEngine.generateTokens (llama.cpp in its own process, greedy, threads 1) on
 *             --model, or on a random tiny llama fixture written to a temp folder; the fixture
 *             suppresses end-of-sequence so every run reaches --tokens
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as yieldNow, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TaskClient } from '../electron/node/roles/task-client.ts';
import { TaskServer, type TaskGenerator } from '../electron/node/roles/task-server.ts';
import {
  addressOf,
  hostFor,
  MODEL_SHA,
  signed,
  TASK_CHAIN_ID,
  testKey,
} from '../test/unit/roles/task-fixtures.ts';

const { values } = parseArgs({
  options: {
    tokens: { type: 'string', default: '256' },
    runs: { type: 'string', default: '5' },
    rates: { type: 'string', default: '20,100,500' },
    engine: { type: 'boolean', default: false },
    model: { type: 'string' },
    serve: { type: 'boolean', default: false },
  },
});
const TOKENS = Number(values.tokens);
const RUNS = Number(values.runs);
const minerKey = testKey(90);
const validatorKey = testKey(91);

/** What the generator itself saw, measured in the miner process. */
interface LocalStats {
  tokens: number;
  /** From the generate() call to its first onTokens. */
  ttftMs: number;
  /** Same formula as the client's: tokens after the first chunk ÷ (last − first chunk). */
  tokensPerSecond: number | null;
}

type Mode = string;

// ---------------------------------------------------------------- miner process

interface TokenEngine {
  load(file: string, options: Record<string, unknown>): Promise<unknown>;
  generateTokens(
    request: { prompt: number[]; maxTokens: number },
    onTokens: (tokens: number[]) => void,
    signal: AbortSignal,
  ): Promise<{ tokens: number[]; stop: 'eos' | 'maxTokens' }>;
  dispose(): Promise<void>;
}

let engine: TokenEngine | null = null;
let engineDir: string | null = null;

async function engineGenerator(): Promise<TaskGenerator> {
  if (engine === null) {
    const { InferenceEngine } = await import('../electron/node/inference/engine.ts');
    const candidate = new InferenceEngine({ gpu: false }) as unknown as TokenEngine;
    if (typeof candidate.generateTokens !== 'function') {
      throw new Error('this build has no InferenceEngine.generateTokens');
    }
    let file = values.model;
    if (file === undefined) {
      const { buildTinyLlama } = await import('../test/fixtures/gguf/index.ts');
      engineDir = await mkdtemp(path.join(tmpdir(), 'noesis-task-bench-'));
      file = path.join(engineDir, 'tiny.gguf');
      await writeFile(file, buildTinyLlama({ suppressEos: true, contextLength: 2048 }));
    }
    await candidate.load(file, { contextSize: 2048, threads: 1, gpuLayers: 0 });
    engine = candidate;
  }
  const e = engine;
  return (request, onTokens, signal) => e.generateTokens(request, onTokens, signal);
}

/** The generator for a mode; the lead plugs the real engine in through the 'engine' mode. */
async function generatorFor(mode: Mode): Promise<TaskGenerator> {
  if (mode === 'engine') return engineGenerator();
  if (mode === 'max') {
    return async (request, onTokens, signal) => {
      const tokens: number[] = [];
      for (let i = 0; i < request.maxTokens; i++) {
        signal.throwIfAborted();
        const t = 300 + (i % 200);
        tokens.push(t);
        onTokens([t]);
        await yieldNow();
      }
      return { tokens, stop: 'maxTokens' };
    };
  }
  const rate = Number(mode.replace(/^rate:/, ''));
  if (!(rate > 0)) throw new Error(`unknown generator ${mode}`);
  const interval = 1000 / rate;
  return async (request, onTokens, signal) => {
    const tokens: number[] = [];
    const start = performance.now();
    for (let i = 0; i < request.maxTokens; i++) {
      const wait = start + (i + 1) * interval - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal });
      const t = 300 + (i % 200);
      tokens.push(t);
      onTokens([t]);
    }
    return { tokens, stop: 'maxTokens' };
  };
}

async function serve(): Promise<void> {
  const host = await hostFor(minerKey);
  let current: TaskGenerator = await generatorFor('max');
  const timed: TaskGenerator = async (request, onTokens, signal) => {
    const start = performance.now();
    const chunks: Array<[number, number]> = [];
    const result = await current(
      request,
      (tokens) => {
        chunks.push([performance.now(), tokens.length]);
        onTokens(tokens);
      },
      signal,
    );
    const first = chunks[0];
    const last = chunks[chunks.length - 1];
    const after = result.tokens.length - (first?.[1] ?? 0);
    const span = first && last ? last[0] - first[0] : 0;
    const stats: LocalStats = {
      tokens: result.tokens.length,
      ttftMs: first ? first[0] - start : NaN,
      tokensPerSecond: chunks.length >= 2 && span > 0 ? (after * 1000) / span : null,
    };
    process.send?.({ stats });
    return result;
  };
  const server = new TaskServer({
    chainId: TASK_CHAIN_ID,
    host,
    minerKey,
    modelSha256: () => MODEL_SHA,
    isValidator: () => ({ permit: true, stake: 1n }),
    generate: timed,
    perValidatorRate: { items: 1_000_000, periodMs: 1_000 },
  });
  await server.start();
  process.on('message', (message: { mode?: Mode }) => {
    if (message.mode === undefined) return;
    void generatorFor(message.mode).then(
      (g) => {
        current = g;
        process.send?.({ ready: message.mode });
      },
      (error: unknown) => process.send?.({ failed: String(error) }),
    );
  });
  process.send?.({ address: addressOf(host) });
  process.on('disconnect', () => {
    void (async () => {
      await server.stop();
      await host.stop();
      await engine?.dispose();
      if (engineDir !== null) await rm(engineDir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

// ---------------------------------------------------------------- validator process

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function nextMessage<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if ('failed' in message) {
        child.off('message', onMessage);
        reject(new Error(String(message.failed)));
      } else if (key in message) {
        child.off('message', onMessage);
        resolve(message[key] as T);
      }
    };
    child.on('message', onMessage);
  });
}

interface Row {
  mode: string;
  tokens: number;
  localTps: number;
  receivedTps: number;
  localTtft: number;
  validatorTtft: number;
  addedTtft: number;
  dialMs: number;
}

async function measure(child: ChildProcess, client: TaskClient, address: string, mode: Mode) {
  const ready = nextMessage<string>(child, 'ready');
  child.send({ mode });
  await ready;
  const samples: Array<{ local: LocalStats; timings: Record<string, number | null> }> = [];
  for (let run = 0; run <= RUNS; run++) {
    const local = nextMessage<LocalStats>(child, 'stats');
    const request = signed(validatorKey, minerKey, {
      prompt: [1, 300, 301, 302, 303, 304, 305, 306],
      maxTokens: TOKENS,
      timeoutMs: 300_000,
    });
    const outcome = await client.send(address, request);
    if (outcome.kind !== 'ok') throw new Error(`${mode}: ${JSON.stringify(outcome)}`);
    const stats = await local;
    if (run > 0) samples.push({ local: stats, timings: { ...outcome.timings, gapsMs: null } });
    await sleep(20);
  }
  const row: Row = {
    mode,
    tokens: median(samples.map((s) => s.local.tokens)),
    localTps: median(samples.map((s) => s.local.tokensPerSecond ?? NaN)),
    receivedTps: median(samples.map((s) => s.timings.tokensPerSecond ?? NaN)),
    localTtft: median(samples.map((s) => s.local.ttftMs)),
    validatorTtft: median(samples.map((s) => s.timings.ttftMs ?? NaN)),
    addedTtft: median(samples.map((s) => (s.timings.ttftMs ?? NaN) - s.local.ttftMs)),
    dialMs: median(samples.map((s) => s.timings.dialMs ?? NaN)),
  };
  return row;
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const address = await nextMessage<string>(child, 'address');
  const host = await hostFor(validatorKey);
  const client = new TaskClient({ chainId: TASK_CHAIN_ID, host });
  const modes: Mode[] = [
    ...values.rates
      .split(',')
      .filter((r) => r.trim() !== '')
      .map((r) => `rate:${r.trim()}`),
    'max',
  ];
  if (values.engine || values.model !== undefined) modes.push('engine');
  const rows: Row[] = [];
  for (const mode of modes) rows.push(await measure(child, client, address, mode));
  child.disconnect();
  await once(child, 'exit');
  await host.stop();

  const f = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
  console.log(
    `task stream over libp2p on 127.0.0.1 (miner in another process), ${TOKENS} tokens, ` +
      `${RUNS} runs per generator after one warm-up (medians)`,
  );
  console.log(
    '| generator | tokens | generator tok/s | received tok/s | received/generated | generator TTFT ms | validator TTFT ms | added TTFT ms | open stream ms |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const cells = [
      r.mode,
      String(r.tokens),
      f(r.localTps),
      f(r.receivedTps),
      f(r.receivedTps / r.localTps, 3),
      f(r.localTtft, 2),
      f(r.validatorTtft, 2),
      f(r.addedTtft, 2),
      f(r.dialMs, 2),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

if (values.serve) await serve();
else await main();
