/**
 * Task generation for validators (research/proof-of-inference.md §5.2): a fresh seed per task and
 * a prompt built from it over the shipped corpus.
 *
 *   taskSeed = blake2b-256(CBOR ["noesis-task", epochSecret, blockHash, minerUid, counter])
 *
 * - The epoch secret is the validator's; it publishes only H(secret) while the epoch runs, so a
 *   miner cannot compute its prompt when the round's block appears (which would fake its time to
 *   first token) and learns it only when the request arrives.
 * - The CBOR array is the domain separation: its first element names the purpose, and every field
 *   carries its own length, so no two different inputs encode to the same bytes.
 * - `buildPrompt` is a pure function of (seed, corpus): after the secret is revealed, anyone with
 *   the same corpus (same digest) and the same PROMPT_BUILDER_VERSION recomputes every prompt and
 *   can audit a disputed score. Nothing here reads a clock or a random source.
 * - Every miner gets its own prompt. Passages can coincide between two miners of a round (322
 *   passages, birthday odds), but the template, the names, the numbers, the order and the opening
 *   code also come from the seed, so one miner's greedy answer is useless to another, and an
 *   answer cached for a passage is useless the next time it is drawn.
 */
import { encodeCanonical } from '../chain/codec.ts';
import { fromHex, hash256, isHex, toHex, type Hex } from '../chain/crypto.ts';
import { NoesisError } from '../errors.ts';
import type { Corpus } from './corpus.ts';

export const PromptErrorCode = {
  /** A seed input is malformed (secret length, block hash, uid, counter, seed); data: { field }. */
  BAD_INPUT: 'PROMPT_BAD_INPUT',
} as const;

/** Changes whenever a template or word list changes, since prompts then differ for one seed. */
export const PROMPT_BUILDER_VERSION = 1;

const TASK_DOMAIN = 'noesis-task';
const STREAM_DOMAIN = 'noesis-prompt';

function badInput(field: string, message: string): NoesisError {
  return new NoesisError(PromptErrorCode.BAD_INPUT, message, { field });
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

export function taskSeed(
  epochSecret: Uint8Array,
  blockHash: Hex,
  minerUid: number,
  counter: number,
): Uint8Array {
  // 16 bytes is the least that cannot be guessed; 64 keeps a hash-sized secret or two.
  if (!(epochSecret instanceof Uint8Array) || epochSecret.length < 16 || epochSecret.length > 64) {
    throw badInput('epochSecret', 'the epoch secret must be 16 to 64 bytes');
  }
  if (!isHex(blockHash, 32)) throw badInput('blockHash', 'the block hash must be 32-byte hex');
  if (!isUint(minerUid, 0xffff_ffff)) throw badInput('minerUid', 'bad miner uid');
  if (!isUint(counter, Number.MAX_SAFE_INTEGER)) throw badInput('counter', 'bad task counter');
  return hash256(
    encodeCanonical([TASK_DOMAIN, epochSecret, fromHex(blockHash), minerUid, counter]),
  );
}

/**
 * A deterministic stream of random numbers from a seed: block i is
 * blake2b-256(CBOR ["noesis-prompt", seed, i]), read as big-endian u32 words.
 */
export class SeedStream {
  private readonly seed: Uint8Array;
  private block: Uint8Array = new Uint8Array(0);
  private blockIndex = 0;
  private offset = 0;

  constructor(seed: Uint8Array) {
    this.seed = seed;
  }

  nextU32(): number {
    if (this.offset + 4 > this.block.length) {
      this.block = hash256(encodeCanonical([STREAM_DOMAIN, this.seed, this.blockIndex]));
      this.blockIndex += 1;
      this.offset = 0;
    }
    const b = this.block;
    const o = this.offset;
    this.offset += 4;
    return (
      ((b[o] as number) * 0x1000000 +
        ((b[o + 1] as number) << 16) +
        ((b[o + 2] as number) << 8) +
        (b[o + 3] as number)) >>>
      0
    );
  }

  /** Uniform in [0, n) by rejection sampling, so no value is favoured by the modulo. */
  below(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1 || n > 0x1_0000_0000) throw new RangeError('bad range');
    const limit = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  /** Fisher–Yates over a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = out[i] as T;
      out[i] = out[j] as T;
      out[j] = t;
    }
    return out;
  }
}

// prettier-ignore
const NAMES = [
  'Amara', 'Bruno', 'Chen', 'Dalia', 'Emeka', 'Farah', 'Goran', 'Hana', 'Ivo', 'Jonas', 'Keiko',
  'Lucia', 'Mateo', 'Nadia', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Samir', 'Tove', 'Ugo', 'Vera',
  'Wen', 'Ximena', 'Yusuf', 'Zofia', 'Aino', 'Bilal', 'Carmen', 'Dmitri', 'Esi', 'Felix', 'Gita',
  'Hugo', 'Ines', 'Jamal', 'Kofi', 'Lena', 'Malik', 'Noor', 'Olga', 'Pablo', 'Rania', 'Sven',
  'Tariq', 'Uma', 'Viktor', 'Yara',
];

const AUDIENCES = [
  'a ten-year-old',
  'a busy manager',
  'a new neighbour',
  'a first-year student',
  'a tourist',
  'an engineer',
  'a grandparent',
  'a radio listener',
];

const ORDERS = [
  'in the order they appear in the text',
  'from the last one mentioned to the first',
  'from the most important to the least important',
  'from the most surprising to the least surprising',
];

/** Three letters and three digits: forces the opening tokens of the answer to depend on the seed. */
function openingCode(r: SeedStream): string {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  let code = '';
  for (let i = 0; i < 3; i++) code += letters[r.below(letters.length)] as string;
  return `${code}-${100 + r.below(900)}`;
}

/** Splits after ., ! or ? followed by a space and a capital, digit or quote. */
export function sentences(passage: string): string[] {
  return passage
    .split(/(?<=[.!?])\s+(?=["'A-Z0-9])/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

interface TemplateContext {
  r: SeedStream;
  passage: string;
  name: string;
  other: string;
  audience: string;
}

interface Template {
  id: string;
  /** The instruction, and the text shown to the model (the passage, or a transformed copy). */
  build(c: TemplateContext): { instruction: string; body: string };
}

const TEMPLATES: readonly Template[] = [
  {
    id: 'summarise',
    build: ({ r, passage, name, audience }) => ({
      instruction: `Summarise the text below in ${1 + r.below(3)} sentences for ${name}, who is ${audience}.`,
      body: passage,
    }),
  },
  {
    id: 'continue',
    build: ({ r, passage }) => ({
      instruction: `Continue the text below with ${2 + r.below(4)} more sentences in the same style.`,
      body: passage,
    }),
  },
  {
    id: 'answer',
    build: ({ r, passage }) => ({
      instruction: `Answer about the text below: what is its main idea? Then give ${2 + r.below(3)} details from it that support your answer.`,
      body: passage,
    }),
  },
  {
    id: 'list',
    build: ({ r, passage }) => ({
      instruction: `List ${3 + r.below(3)} facts from the text below as a numbered list, ${r.pick(ORDERS)}.`,
      body: passage,
    }),
  },
  {
    id: 'explain',
    build: ({ r, passage, audience }) => ({
      instruction: `Explain the text below to ${audience} in no more than ${40 + 10 * r.below(7)} words.`,
      body: passage,
    }),
  },
  {
    id: 'reorder',
    build: ({ r, passage }) => {
      const parts = sentences(passage);
      // A passage of one or two sentences has no interesting order; the instruction still holds.
      let shuffled = r.shuffle(parts);
      if (parts.length > 2 && shuffled.every((s, i) => s === parts[i]))
        shuffled = shuffled.reverse();
      return {
        instruction: 'The sentences below are out of order. Write them again in a sensible order.',
        body: shuffled.join(' '),
      };
    },
  },
  {
    id: 'titles',
    build: ({ r, passage, name }) => ({
      instruction: `Suggest ${2 + r.below(4)} possible titles for the text below, then say which one ${name} should choose and why.`,
      body: passage,
    }),
  },
  {
    id: 'quiz',
    build: ({ r, passage }) => ({
      instruction: `Write ${2 + r.below(4)} quiz questions about the text below, each followed by its answer.`,
      body: passage,
    }),
  },
  {
    id: 'message',
    build: ({ passage, name, other }) => ({
      instruction: `${name} has just read the text below. Write a short message from ${name} to ${other} about the most interesting point in it.`,
      body: passage,
    }),
  },
  {
    id: 'rewrite',
    build: ({ passage, audience }) => ({
      instruction: `Rewrite the text below in plain words for ${audience}, keeping every number it mentions.`,
      body: passage,
    }),
  },
];

export const TEMPLATE_IDS: readonly string[] = TEMPLATES.map((t) => t.id);

export interface BuiltPrompt {
  text: string;
  passageIndex: number;
  template: string;
}

/** The prompt of a task: a pure function of the 32-byte seed and the corpus. */
export function buildPrompt(seed: Uint8Array, corpus: Corpus): BuiltPrompt {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw badInput('seed', 'the task seed must be 32 bytes');
  }
  if (corpus.passages.length === 0) throw badInput('corpus', 'the corpus has no passage');
  const r = new SeedStream(seed);
  // Fixed draw order: passage, template, name, other name, audience, code; then the template's own.
  const passageIndex = r.below(corpus.passages.length);
  const template = r.pick(TEMPLATES);
  const name = r.pick(NAMES);
  let other = r.pick(NAMES);
  if (other === name) other = NAMES[(NAMES.indexOf(name) + 1) % NAMES.length] as string;
  const audience = r.pick(AUDIENCES);
  const code = openingCode(r);
  const passage = corpus.passages[passageIndex] as string;
  const { instruction, body } = template.build({ r, passage, name, other, audience });
  const text = `${instruction} Begin your answer with the code ${code}.\n\nText:\n${body}`;
  return { text, passageIndex, template: template.id };
}

/**
 * Refuses a prompt already used in the last `rounds` rounds (research §5.2: never reuse a prompt).
 * The caller draws the next counter and builds again; since the counter is part of the seed, the
 * replacement stays recomputable. Memory is bounded: at most `maxEntries` 16-byte keys (100,000 by
 * default, a few MB), the oldest key of the oldest round forgotten first, so a caller that never
 * calls nextRound() still remembers its last `maxEntries` prompts.
 */
export class PromptDeduper {
  private readonly rounds: number;
  private readonly maxEntries: number;
  private readonly windows: Array<Set<string>> = [new Set()];
  private total = 0;

  /** `rounds`: how many rounds a prompt is remembered; the caller calls nextRound() per round. */
  constructor(rounds: number, maxEntries = 100_000) {
    if (!isUint(rounds, 1_000_000) || rounds < 1) {
      throw badInput('rounds', 'rounds must be a positive integer');
    }
    if (!isUint(maxEntries, Number.MAX_SAFE_INTEGER) || maxEntries < 1) {
      throw badInput('maxEntries', 'maxEntries must be a positive integer');
    }
    this.rounds = rounds;
    this.maxEntries = maxEntries;
  }

  /** Number of prompts remembered. */
  get size(): number {
    return this.total;
  }

  /** Opens a new round; the round `rounds` ago is forgotten. */
  nextRound(): void {
    this.windows.push(new Set());
    while (this.windows.length > this.rounds) this.dropOldestRound();
  }

  /** Whether the prompt was seen in the window, without recording it. */
  has(prompt: string | Uint8Array): boolean {
    const key = keyOf(prompt);
    return this.windows.some((w) => w.has(key));
  }

  /**
   * True and remembered when the prompt is new in the window; false (nothing changes) when it was
   * seen. A prompt may be the text or any bytes standing for it (such as its first 64 token ids).
   */
  accept(prompt: string | Uint8Array): boolean {
    const key = keyOf(prompt);
    if (this.windows.some((w) => w.has(key))) return false;
    const current = this.windows[this.windows.length - 1] as Set<string>;
    current.add(key);
    this.total += 1;
    while (this.total > this.maxEntries) {
      const oldestRound = this.windows[0] as Set<string>;
      oldestRound.delete(oldestRound.values().next().value as string);
      this.total -= 1;
      if (oldestRound.size === 0 && this.windows.length > 1) this.windows.shift();
    }
    return true;
  }

  private dropOldestRound(): void {
    const oldest = this.windows.shift() as Set<string>;
    this.total -= oldest.size;
  }
}

function keyOf(prompt: string | Uint8Array): string {
  const bytes = typeof prompt === 'string' ? new TextEncoder().encode(prompt) : prompt;
  // 128 bits: a false "seen" needs a collision among at most maxEntries keys (about 2^-88).
  return toHex(hash256(bytes).subarray(0, 16));
}
