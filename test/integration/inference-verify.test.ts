/**
 * Token-level generation and teacher-forced verification on the real engine (llama.cpp in its
 * own process, the tiny fixture model, one thread): honest answers pass, the F16 copy's too;
 * another model's, replayed, truncated, padded and garbage answers fail; bad token ids get a
 * clear error and leave the engine usable.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InferenceEngine } from '../../electron/node/inference/engine.ts';
import { InferenceErrorCode } from '../../electron/node/inference/errors.ts';
import type { TokenInfo, TokenStop } from '../../electron/node/inference/types.ts';
import {
  cheapCheck,
  judgeMargins,
  type Verdict,
  type VerifyRules,
} from '../../electron/node/inference/verify.ts';
import { buildTinyLlama, type TinyLlamaOptions } from '../fixtures/gguf/index.ts';

const rules: VerifyRules = { tauMilli: 100, maxViolations: 1, maxTokens: 32 };
const texts = Array.from(
  { length: 24 },
  (_, k) => `Task ${k}: describe item ${(k * 7919) % 1000} and its colour, then say why.`,
);

interface Answer {
  prompt: number[];
  tokens: number[];
  stop: TokenStop;
}

let dir: string;
let reference: InferenceEngine;
let info: TokenInfo;
let prompts: number[][];
let honest: Answer[];

async function modelFile(name: string, options: TinyLlamaOptions): Promise<string> {
  const file = path.join(dir, `${name}.gguf`);
  await writeFile(file, buildTinyLlama(options));
  return file;
}

async function answersFrom(file: string, from: number[][]): Promise<Answer[]> {
  const engine = new InferenceEngine({ gpu: false });
  try {
    await engine.load(file, { threads: 1, contextSize: 512 });
    const out: Answer[] = [];
    for (const prompt of from) {
      const r = await engine.generateTokens({ prompt, maxTokens: rules.maxTokens });
      out.push({ prompt, tokens: r.tokens, stop: r.stop });
    }
    return out;
  } finally {
    await engine.dispose();
  }
}

async function judge(answer: Answer): Promise<Verdict> {
  const cheap = cheapCheck(answer.tokens, answer.stop, rules, info.vocabSize, new Set(info.eog));
  if (cheap) return cheap;
  const scored = await reference.scoreTokens({
    prompt: answer.prompt,
    answer: answer.tokens,
    stop: answer.stop,
  });
  return judgeMargins(scored.margins, answer.tokens, answer.stop, rules, scored.eogTop);
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'noesis-verify-'));
  reference = new InferenceEngine({ gpu: false });
  await reference.load(await modelFile('ref', { seed: 1 }), { threads: 1, contextSize: 512 });
  info = await reference.tokenInfo();
  prompts = [];
  for (const text of texts) prompts.push(await reference.tokenize(text));
  honest = [];
  for (const prompt of prompts) {
    const r = await reference.generateTokens({ prompt, maxTokens: rules.maxTokens });
    honest.push({ prompt, tokens: r.tokens, stop: r.stop });
  }
});
after(async () => {
  await reference.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('token-level engine API', () => {
  it('reports the token facts and tokenizes with BOS first, no EOS', async () => {
    assert.deepEqual(info, { eos: 2, bos: 1, vocabSize: 512, eog: [2] });
    const tokens = await reference.tokenize('hello world');
    assert.equal(tokens[0], 1);
    assert.ok(!tokens.includes(2));
    assert.equal((await reference.detokenize(tokens)).trim(), 'hello world');
    assert.deepEqual(await reference.tokenize(''), [1]);
    assert.deepEqual(
      (await reference.tokenize('<s>hi', { specialTokens: true })).slice(0, 2),
      [1, 1],
    );
    assert.ok(!(await reference.tokenize('<s>hi')).slice(1).includes(1), 'literal text by default');
  });

  it('generates greedily, streams the ids and stops at EOS or maxTokens', async () => {
    const chunks: number[][] = [];
    const first = honest[0]!;
    const r = await reference.generateTokens(
      { prompt: first.prompt, maxTokens: rules.maxTokens },
      (tokens) => chunks.push(tokens),
    );
    assert.deepEqual(r.tokens, first.tokens, 'greedy generation is reproducible');
    assert.deepEqual(chunks.flat(), r.tokens);
    assert.ok(r.ttftMs !== null && r.ttftMs > 0 && r.totalMs >= r.ttftMs);
    const eos = honest.filter((a) => a.stop === 'eos');
    const budget = honest.filter((a) => a.stop === 'maxTokens');
    assert.ok(eos.length > 0 && budget.length > 0, 'the prompts give both kinds of stop');
    for (const a of eos) assert.ok(a.tokens.length < rules.maxTokens && !a.tokens.includes(2));
    for (const a of budget) assert.equal(a.tokens.length, rules.maxTokens);
  });

  it('refuses bad token ids with a clear error and stays usable', async () => {
    const pid = reference.pid;
    const prompt = honest[0]!.prompt;
    await assert.rejects(
      reference.scoreTokens({ prompt, answer: [5, info.vocabSize], stop: 'eos' }),
      (e: { code: string; data: Record<string, unknown> }) => {
        assert.equal(e.code, InferenceErrorCode.BAD_TOKENS);
        assert.equal(e.data.field, 'answer');
        assert.equal(e.data.index, 1);
        return true;
      },
    );
    // detokenize would abort llama.cpp on this id if it got through.
    await assert.rejects(reference.detokenize([1_000_000]), {
      code: InferenceErrorCode.BAD_TOKENS,
    });
    await assert.rejects(reference.generateTokens({ prompt: [1, -3], maxTokens: 4 }), {
      code: InferenceErrorCode.BAD_TOKENS,
    });
    await assert.rejects(reference.generateTokens({ prompt: [1, 2.5], maxTokens: 4 }), {
      code: InferenceErrorCode.BAD_TOKENS,
    });
    await assert.rejects(reference.generateTokens({ prompt: [], maxTokens: 4 }), {
      code: InferenceErrorCode.BAD_TOKENS,
    });
    await assert.rejects(reference.generateTokens({ prompt, maxTokens: 0 }), {
      code: InferenceErrorCode.BAD_TOKENS,
    });
    await assert.rejects(
      reference.scoreTokens({ prompt, answer: [5], stop: 'later' as TokenStop }),
      { code: InferenceErrorCode.BAD_TOKENS },
    );
    await assert.rejects(reference.generateTokens({ prompt, maxTokens: 600 }), {
      code: InferenceErrorCode.CONTEXT_OVERFLOW,
    });
    assert.equal(reference.pid, pid, 'the engine process did not restart');
    const again = await reference.generateTokens({ prompt, maxTokens: rules.maxTokens });
    assert.deepEqual(again.tokens, honest[0]!.tokens);
  });

  it('cancels a generation through its signal and stays usable', async () => {
    const controller = new AbortController();
    await assert.rejects(
      reference.generateTokens(
        { prompt: honest[0]!.prompt, maxTokens: 400 },
        () => controller.abort(),
        controller.signal,
      ),
      { code: InferenceErrorCode.CANCELLED },
    );
    const again = await reference.generateTokens({
      prompt: honest[0]!.prompt,
      maxTokens: rules.maxTokens,
    });
    assert.deepEqual(again.tokens, honest[0]!.tokens);
  });

  it('gives the same margins on the fast path as from the full distribution', async () => {
    const garbled = honest.slice(0, 6).map((a) => ({
      ...a,
      tokens: a.tokens.map((t, i) => (i % 3 === 1 ? 3 + ((t * 7) % 500) : t)),
    }));
    for (const a of [...honest.slice(0, 6), ...garbled]) {
      const request = { prompt: a.prompt, answer: a.tokens, stop: a.stop };
      const fast = await reference.scoreTokens(request);
      const slow = await reference.scoreTokens({ ...request, logprobs: true });
      assert.equal(fast.logprobs, null);
      assert.equal(fast.margins.length, a.tokens.length + (a.stop === 'eos' ? 1 : 0));
      assert.deepEqual(fast.eogTop, slow.eogTop);
      for (let j = 0; j < fast.margins.length; j++) {
        assert.ok(Math.abs(fast.margins[j]! - slow.margins[j]!) < 1e-4, `position ${j}`);
        assert.ok(slow.logprobs![j]! <= 0);
      }
    }
  });
});

describe('verification on the real engine', () => {
  it('passes every honest answer, with margins of rounding noise only', async () => {
    for (const a of honest) {
      const v = await judge(a);
      assert.equal(v.pass, true, `prompt ${prompts.indexOf(a.prompt)}: ${v.failure}`);
      assert.ok(v.worstMargin < 0.02);
    }
  });

  it("passes the F16 copy's answers and fails another model's", async () => {
    const f16 = await answersFrom(await modelFile('f16', { seed: 1, f16: true }), prompts);
    for (const a of f16) assert.equal((await judge(a)).pass, true);
    const other = await answersFrom(await modelFile('other', { seed: 2 }), prompts);
    for (const a of other) assert.equal((await judge(a)).pass, false);
  });

  it('fails an honest answer replayed onto another prompt', async () => {
    for (let k = 0; k < honest.length; k++) {
      const replay = { ...honest[(k + 1) % honest.length]!, prompt: honest[k]!.prompt };
      assert.equal((await judge(replay)).pass, false, `replay onto prompt ${k}`);
    }
  });

  it('fails garbage: random ids on the margins, out-of-range ids before scoring', async () => {
    const prompt = honest[0]!.prompt;
    const random = Array.from({ length: 32 }, (_, i) => 3 + ((i * 131 + 17) % 500));
    const v = await judge({ prompt, tokens: random, stop: 'maxTokens' });
    assert.equal(v.pass, false);
    assert.ok(v.failure === 'wild_token' || v.failure === 'missed_stop', v.failure!);
    const outOfRange = [...random.slice(0, 31), info.vocabSize + 7];
    assert.equal(
      cheapCheck(outOfRange, 'maxTokens', rules, info.vocabSize, new Set(info.eog))?.failure,
      'bad_token',
    );
  });

  it('fails an answer cut short that claims end-of-text', async () => {
    const long = honest.find((a) => a.stop === 'maxTokens')!;
    const v = await judge({ ...long, tokens: long.tokens.slice(0, 10), stop: 'eos' });
    assert.equal(v.failure, 'early_stop');
    // Cut short without claiming end-of-text: truncated before any scoring.
    const cut = await judge({ ...long, tokens: long.tokens.slice(0, 10), stop: 'maxTokens' });
    assert.equal(cut.failure, 'truncated');
  });

  it('fails padding past the end-of-text the model chose', async () => {
    const stopped = honest.filter((a) => a.stop === 'eos');
    // EOS inside the answer: refused by the cheap gate.
    const withEos = stopped[0]!;
    const padded = [...withEos.tokens, 2, ...honest[1]!.tokens].slice(0, rules.maxTokens);
    assert.equal(
      (await judge({ ...withEos, tokens: padded, stop: 'maxTokens' })).failure,
      'bad_token',
    );
    // The same weights with end-of-text never chosen go on where the model stopped.
    const noEos = await answersFrom(
      await modelFile('no-eos', { seed: 1, suppressEos: true }),
      stopped.map((a) => a.prompt),
    );
    for (const [i, a] of noEos.entries()) {
      assert.equal(a.stop, 'maxTokens');
      assert.deepEqual(a.tokens.slice(0, stopped[i]!.tokens.length), stopped[i]!.tokens);
      assert.equal((await judge(a)).failure, 'missed_stop');
    }
  });
});
