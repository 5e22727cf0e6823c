/**
 * The prompt corpus: short passages of plain English shipped with the app
 * (`resources/corpus/passages.json`), from which validators build fresh tasks (prompts.ts). It
 * ships with the app instead of being downloaded so that every node, and any auditor, builds
 * exactly the same prompt from the same seed. The digest names the corpus version: two nodes with
 * different digests would build different prompts from the same seed, so a validator publishes it
 * beside its interaction log, and an audit loads the same file before recomputing prompts.
 *
 * The file is validated on load; a bad file is refused as a whole (CORPUS_INVALID) instead of
 * building prompts from part of it.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { encodeCanonical } from '../chain/codec.ts';
import { hash256, toHex, type Hex } from '../chain/crypto.ts';
import { NoesisError } from '../errors.ts';

export const CorpusErrorCode = {
  /** The corpus file is not JSON or does not match its schema; data: { file, issues }. */
  INVALID: 'CORPUS_INVALID',
} as const;

/** Bounds of one passage: long enough to ask about, short enough for a small model's context. */
export const MIN_PASSAGE_CHARS = 80;
export const MAX_PASSAGE_CHARS = 1200;
/** Fewer passages would make two miners of one round share a passage too often. */
export const MIN_PASSAGES = 100;

// Printable text only: a control character in a passage would reach the model's tokenizer as a
// special or invisible token that one build may treat differently from another.
const PRINTABLE = /^[^\p{Cc}]+$/u;

const PassageSchema = z
  .string()
  .min(MIN_PASSAGE_CHARS)
  .max(MAX_PASSAGE_CHARS)
  .regex(PRINTABLE, 'control characters are not allowed')
  .refine((p) => p === p.trim(), 'leading or trailing white space');

const CorpusFileSchema = z
  .object({
    version: z.literal(1),
    passages: z.array(PassageSchema).min(MIN_PASSAGES),
  })
  .strict()
  .refine((c) => new Set(c.passages).size === c.passages.length, {
    message: 'duplicate passage',
    path: ['passages'],
  });

export interface Corpus {
  readonly version: 1;
  readonly passages: readonly string[];
  /** blake2b-256 of the canonical CBOR of the passage list: which corpus built a prompt. */
  readonly digest: Hex;
}

export const DEFAULT_CORPUS_PATH = fileURLToPath(
  new URL('../../../resources/corpus/passages.json', import.meta.url),
);

/** Validates parsed JSON; `source` names the file in the error. */
export function parseCorpus(raw: unknown, source = '<memory>'): Corpus {
  const parsed = CorpusFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new NoesisError(CorpusErrorCode.INVALID, `the prompt corpus ${source} is invalid`, {
      file: source,
      issues: parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  const passages = Object.freeze([...parsed.data.passages]);
  return Object.freeze({
    version: 1 as const,
    passages,
    digest: toHex(hash256(encodeCanonical(passages))),
  });
}

function parseText(text: string, file: string): Corpus {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new NoesisError(CorpusErrorCode.INVALID, `the prompt corpus ${file} is not JSON`, {
      file,
      issues: [(error as Error).message],
    });
  }
  return parseCorpus(raw, file);
}

export async function loadCorpus(file: string = DEFAULT_CORPUS_PATH): Promise<Corpus> {
  return parseText(await readFile(file, 'utf8'), file);
}

/** Synchronous twin for start-up paths and tests that cannot await. */
export function loadCorpusSync(file: string = DEFAULT_CORPUS_PATH): Corpus {
  return parseText(readFileSync(file, 'utf8'), file);
}
