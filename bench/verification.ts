/**
 * Calibration of the teacher-forced verification (electron/node/inference/verify.ts): honest
 * answers generated under every setting an honest miner may differ in (threads, batch size, the
 * F16 copy of the pinned model) must pass when the reference model scores them; answers from a
 * 1%- or 5%-noise copy (stand-ins for a cheaper quantization), another model, another prompt
 * (replay), a truncated answer claiming end-of-text, padding past a stop and random tokens
 * should fail. Prints one table: per answer source, how many
 * answers differ from the reference, the worst margin, and the pass rate at several tau (with
 * maxViolations fixed); then the cost of scoring against generating.
 *
 *   node bench/verification.ts [--prompts 120] [--tokens 32] [--size tiny|small]
 *                              [--violations 1] [--tau-milli 100] [--model FILE.gguf] [--gpu]
 *
 * Models are the random llama fixture (test/fixtures/gguf), written to a temp folder: tiny is
 * the tests' shape (2 layers, 64 wide, 512 tokens), small is 4 layers, 256 wide, 1600 tokens.
 * The reference verifier runs on the CPU with 1 thread and node-llama-cpp's default batch; a
 * second verifier (2 threads, batch 8) scores the reference answers too. With --model, the
 * honest rows and the cheats that need no second model (replay, truncation, random tokens) run
 * on that GGUF instead, to recalibrate for a real pinned model. --gpu adds an honest generator
 * and a verifier on whatever GPU llama.cpp finds (all layers that fit).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceEngine } from '../electron/node/inference/engine.ts';
import type {
  LoadOptions,
  TokenInfo,
  TokenScoreResult,
  TokenStop,
} from '../electron/node/inference/types.ts';
import {
  cheapCheck,
  judgeMargins,
  type Verdict,
  type VerifyRules,
} from '../electron/node/inference/verify.ts';
import { buildTinyLlama, mulberry32, type TinyLlamaOptions } from '../test/fixtures/gguf/index.ts';

const { values } = parseArgs({
  options: {
    prompts: { type: 'string', default: '120' },
    tokens: { type: 'string', default: '32' },
    size: { type: 'string', default: 'tiny' },
    violations: { type: 'string', default: '1' },
    'tau-milli': { type: 'string', default: '100' },
    model: { type: 'string' },
    gpu: { type: 'boolean', default: false },
  },
});
const N = Number(values.prompts);
const maxTokens = Number(values.tokens);
const maxViolations = Number(values.violations);
const chosenTau = Number(values['tau-milli']);
const taus = [...new Set([10, 25, 50, 100, 200, 500, chosenTau])].sort((a, b) => a - b);
const contextSize = 512;
const shape: TinyLlamaOptions =
  values.size === 'small' ? { layers: 4, embd: 256, ff: 512, heads: 4, vocab: 1600 } : {};

interface Answer {
  prompt: number[];
  tokens: number[];
  stop: TokenStop;
}
interface Judged {
  answer: Answer;
  /** Differs from the reference model's answer to the same prompt (always true for cheats built from it). */
  differs: boolean;
  score: TokenScoreResult | null;
  cheap: Verdict | null;
}
interface Row {
  name: string;
  honest: boolean;
  judged: Judged[];
}

/** Varied, fresh prompt texts from a seed: templates over word lists, numbers and names. */
function promptTexts(count: number): string[] {
  const random = mulberry32(20_260_101);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const verbs = ['describe', 'summarise', 'continue', 'explain', 'list', 'compare', 'rewrite'];
  const adjectives = ['quiet', 'red', 'ancient', 'busy', 'frozen', 'narrow', 'bright', 'odd'];
  const nouns = ['harbour', 'library', 'engine', 'garden', 'market', 'river', 'tower', 'forest'];
  const names = ['Ada', 'Brahim', 'Chen', 'Dagny', 'Emeka', 'Farah', 'Goran', 'Hana', 'Ines'];
  const texts: string[] = [];
  for (let k = 0; k < count; k++) {
    const n = Math.floor(random() * 10_000);
    const templates = [
      () =>
        `${pick(verbs)} the ${pick(adjectives)} ${pick(nouns)} that ${pick(names)} saw in ${1800 + (n % 220)}.`,
      () =>
        `Question ${n}: why would ${pick(names)} leave the ${pick(nouns)} before the ${pick(nouns)} closed?`,
      () =>
        `${pick(names)} and ${pick(names)} count ${n} ${pick(adjectives)} stones by the ${pick(nouns)}; ${pick(verbs)} it.`,
      () =>
        `Passage ${k}. The ${pick(nouns)} was ${pick(adjectives)}, and the ${pick(nouns)} ${pick(adjectives)}. Now ${pick(verbs)}:`,
    ];
    texts.push(pick(templates)());
  }
  return texts;
}

async function withEngine<T>(
  file: string,
  options: LoadOptions & { gpu?: boolean },
  run: (engine: InferenceEngine) => Promise<T>,
): Promise<T> {
  const { gpu, ...load } = options;
  const engine = new InferenceEngine({ gpu: gpu ? 'auto' : false });
  try {
    await engine.load(file, { contextSize, gpuLayers: gpu ? 'auto' : 0, ...load });
    return await run(engine);
  } finally {
    await engine.dispose();
  }
}

async function generateAll(
  engine: InferenceEngine,
  prompts: number[][],
  timings?: number[],
): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const prompt of prompts) {
    const r = await engine.generateTokens({ prompt, maxTokens });
    timings?.push(r.totalMs);
    out.push({ prompt, tokens: r.tokens, stop: r.stop });
  }
  return out;
}

const same = (a: Answer, b: Answer) =>
  a.stop === b.stop &&
  a.tokens.length === b.tokens.length &&
  a.tokens.every((t, i) => t === b.tokens[i]);

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))] ?? 0;
};

function verdict(j: Judged, tauMilli: number, info: TokenInfo): Verdict {
  const rules: VerifyRules = { tauMilli, maxViolations, maxTokens };
  const special = new Set(info.eog);
  return (
    cheapCheck(j.answer.tokens, j.answer.stop, rules, info.vocabSize, special) ??
    judgeMargins(j.score!.margins, j.answer.tokens, j.answer.stop, rules, j.score!.eogTop)
  );
}

const dir = await mkdtemp(path.join(tmpdir(), 'noesis-bench-verify-'));
try {
  const files: Record<string, string> = {};
  const real = values.model;
  for (const [name, options] of Object.entries(
    real
      ? {}
      : ({
          ref: { seed: 1 },
          f16: { seed: 1, f16: true },
          noise: { seed: 1, noise: 0.01 },
          noise5: { seed: 1, noise: 0.05 },
          other: { seed: 2 },
          noEos: { seed: 1, suppressEos: true },
        } satisfies Record<string, TinyLlamaOptions>),
  )) {
    files[name] = path.join(dir, `${name}.gguf`);
    await writeFile(files[name], buildTinyLlama({ ...shape, ...options }));
  }
  if (real) files.ref = real;

  const genMs: number[] = [];
  const scoreMs: number[] = [];
  const reference = new InferenceEngine({ gpu: false });
  await reference.load(files.ref!, { contextSize, gpuLayers: 0, threads: 1 });
  const info = await reference.tokenInfo();
  const prompts: number[][] = [];
  for (const text of promptTexts(N)) prompts.push(await reference.tokenize(text));
  const refAnswers = await generateAll(reference, prompts, genMs);

  const sources: Array<{ name: string; honest: boolean; answers: Answer[] }> = [
    { name: 'honest: reference (1 thread)', honest: true, answers: refAnswers },
  ];
  const generated = async (
    name: string,
    honest: boolean,
    file: string | undefined,
    options: LoadOptions & { gpu?: boolean },
  ) =>
    file === undefined ||
    sources.push({
      name,
      honest,
      answers: await withEngine(file, options, (e) => generateAll(e, prompts)),
    });
  await generated('honest: 2 threads', true, files.ref!, { threads: 2 });
  await generated('honest: batch 1', true, files.ref!, { threads: 1, batchSize: 1 });
  await generated('honest: batch 8', true, files.ref!, { threads: 1, batchSize: 8 });
  if (values.gpu) await generated('honest: GPU generator', true, files.ref!, { gpu: true });
  await generated('honest: F16 copy', true, files.f16, { threads: 1 });
  await generated('cheat: 1% noise copy', false, files.noise, { threads: 1 });
  await generated('cheat: 5% noise copy', false, files.noise5, { threads: 1 });
  await generated('cheat: another model', false, files.other, { threads: 1 });
  sources.push({
    name: 'cheat: replay on next prompt',
    honest: false,
    answers: refAnswers.map((a, k) => ({ ...refAnswers[(k + 1) % N]!, prompt: a.prompt })),
  });
  sources.push({
    name: 'cheat: half answer + eos',
    honest: false,
    answers: refAnswers
      .filter((a) => a.tokens.length >= 2)
      .map((a) => ({ ...a, tokens: a.tokens.slice(0, a.tokens.length >> 1), stop: 'eos' })),
  });
  // Padding past a stop: the same weights with end-of-text never chosen, on the prompts where
  // the reference stopped early, claiming the budget ran out.
  const stopped = refAnswers.filter((a) => a.stop === 'eos').map((a) => a.prompt);
  if (files.noEos) {
    sources.push({
      name: 'cheat: pad past end-of-text',
      honest: false,
      answers: await withEngine(files.noEos, { threads: 1 }, (e) => generateAll(e, stopped)),
    });
  }
  const random = mulberry32(7);
  sources.push({
    name: 'cheat: random tokens',
    honest: false,
    answers: prompts.map((prompt) => ({
      prompt,
      stop: 'maxTokens',
      tokens: Array.from(
        { length: maxTokens },
        () => 3 + Math.floor(random() * (info.vocabSize - 3)),
      ),
    })),
  });

  const byPrompt = new Map(refAnswers.map((a) => [a.prompt, a]));
  const rows: Row[] = [];
  const score = async (engine: InferenceEngine, answer: Answer, timed: boolean) => {
    const cheap = cheapCheck(
      answer.tokens,
      answer.stop,
      { tauMilli: chosenTau, maxViolations, maxTokens },
      info.vocabSize,
      new Set(info.eog),
    );
    // Cheap failures that do not depend on tau are final; the rest are scored.
    if (cheap !== null) return { score: null, cheap };
    const s = await engine.scoreTokens({
      prompt: answer.prompt,
      answer: answer.tokens,
      stop: answer.stop,
    });
    if (timed) scoreMs.push(s.ms);
    return { score: s, cheap: null };
  };
  for (const source of sources) {
    const judged: Judged[] = [];
    for (const answer of source.answers) {
      const ref = byPrompt.get(answer.prompt);
      judged.push({
        answer,
        differs: ref === undefined || !same(ref, answer),
        ...(await score(reference, answer, source.name.startsWith('honest: reference'))),
      });
    }
    rows.push({ name: source.name, honest: source.honest, judged });
  }
  const verifiers: Array<[string, LoadOptions & { gpu?: boolean }]> = [
    ['honest: verifier 2 threads, batch 8', { threads: 2, batchSize: 8 }],
    ...(values.gpu ? [['honest: GPU verifier', { gpu: true }] as [string, { gpu: boolean }]] : []),
  ];
  for (const [name, options] of verifiers) {
    await withEngine(files.ref!, options, async (verifier) => {
      const judged: Judged[] = [];
      for (const answer of refAnswers) {
        judged.push({ answer, differs: false, ...(await score(verifier, answer, false)) });
      }
      rows.splice(rows.filter((r) => r.honest).length, 0, { name, honest: true, judged });
    });
  }
  await reference.dispose();

  const tauHeads = taus.map((t) => `τ=${(t / 1000).toFixed(3)}`.padStart(9));
  console.log(
    `model: ${real ?? `random llama fixture (${values.size})`} (vocab ${info.vocabSize}), ${N} prompts, maxTokens ${maxTokens}, maxViolations ${maxViolations}, CPU; pass % per τ (nats); reasons at τ=${chosenTau / 1000}`,
  );
  console.log(
    `| answers from                        |   n | eos | ≠ ref | worst margin | p99 margin |${tauHeads.join(' |')} | failures at chosen τ |`,
  );
  console.log(
    `|${'-'.repeat(37)}|-----|-----|-------|--------------|------------|${taus.map(() => '-----------').join('|')}|----------------------|`,
  );
  const honestWorst: number[] = [];
  for (const row of rows) {
    const margins = row.judged.flatMap((j) => j.score?.margins ?? []);
    const worst = margins.length ? Math.max(...margins) : 0;
    if (row.honest) honestWorst.push(worst);
    const passes = taus.map((tau) => {
      const pass = row.judged.filter((j) => verdict(j, tau, info).pass).length;
      const text = row.judged.length ? `${((pass / row.judged.length) * 100).toFixed(1)} %` : '-';
      return text.padStart(9);
    });
    const reasons = new Map<string, number>();
    for (const j of row.judged) {
      const v = verdict(j, chosenTau, info);
      if (!v.pass) reasons.set(v.failure!, (reasons.get(v.failure!) ?? 0) + 1);
    }
    const reasonText = [...reasons].map(([k, v]) => `${k} ${v}`).join(', ') || '-';
    console.log(
      `| ${row.name.padEnd(35)} | ${String(row.judged.length).padStart(3)} | ${String(row.judged.filter((j) => j.answer.stop === 'eos').length).padStart(3)} | ${String(row.judged.filter((j) => j.differs).length).padStart(5)} | ${worst.toFixed(4).padStart(12)} | ${percentile(margins, 0.99).toFixed(4).padStart(10)} |${passes.join(' |')} | ${reasonText.padEnd(20)} |`,
    );
  }
  const withBos = refAnswers.filter((a) => info.bos !== null && a.tokens.includes(info.bos)).length;
  const g = percentile(genMs, 0.5);
  const s = percentile(scoreMs, 0.5);
  console.log(
    `worst honest margin ${Math.max(...honestWorst).toFixed(4)} nats; cost per answer (medians, reference, 1 thread, incl. IPC): generate ${g.toFixed(2)} ms, score ${s.toFixed(2)} ms, score/generate ${(s / g).toFixed(2)}; honest reference answers containing BOS: ${withBos}/${N}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
