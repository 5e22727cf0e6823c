/**
 * Task seeds and prompts: the seed depends on every input and nothing else, the prompt is a pure
 * function of (seed, corpus) pinned by a vector (a change must bump PROMPT_BUILDER_VERSION), miners
 * of one round get different prompts, and the deduper refuses repeats within its window only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCanonical } from '../../../electron/node/chain/codec.ts';
import { fromHex, hash256, toHex } from '../../../electron/node/chain/crypto.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';
import { loadCorpusSync } from '../../../electron/node/roles/corpus.ts';
import {
  buildPrompt,
  PROMPT_BUILDER_VERSION,
  PromptDeduper,
  PromptErrorCode,
  SeedStream,
  sentences,
  taskSeed,
  TEMPLATE_IDS,
} from '../../../electron/node/roles/prompts.ts';

const corpus = loadCorpusSync();
const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
const block = 'ab'.repeat(32);

test('the task seed is blake2b-256 of the CBOR of its domain and inputs', () => {
  const seed = taskSeed(secret, block, 3, 7);
  assert.equal(
    toHex(seed),
    toHex(hash256(encodeCanonical(['noesis-task', secret, fromHex(block), 3, 7]))),
  );
  assert.equal(toHex(seed), toHex(taskSeed(Uint8Array.from(secret), block, 3, 7)));
  const others = [
    taskSeed(
      Uint8Array.from(secret, (b, i) => (i === 31 ? b ^ 1 : b)),
      block,
      3,
      7,
    ),
    taskSeed(secret, 'ac' + 'ab'.repeat(31), 3, 7),
    taskSeed(secret, block, 4, 7),
    taskSeed(secret, block, 3, 8),
    // The fields are length-prefixed: shifting a byte between them gives another seed.
    taskSeed(secret.subarray(0, 31), block, 3, 7),
  ];
  const all = new Set([toHex(seed), ...others.map(toHex)]);
  assert.equal(all.size, 6);
});

test('bad seed inputs are refused with the field', () => {
  const bad: Array<[string, () => unknown]> = [
    ['epochSecret', () => taskSeed(new Uint8Array(15), block, 0, 0)],
    ['epochSecret', () => taskSeed(new Uint8Array(65), block, 0, 0)],
    ['blockHash', () => taskSeed(secret, 'AB'.repeat(32), 0, 0)],
    ['blockHash', () => taskSeed(secret, 'ab'.repeat(31), 0, 0)],
    ['minerUid', () => taskSeed(secret, block, -1, 0)],
    ['minerUid', () => taskSeed(secret, block, 1.5, 0)],
    ['counter', () => taskSeed(secret, block, 0, Number.MAX_SAFE_INTEGER + 1)],
    ['seed', () => buildPrompt(new Uint8Array(31), corpus)],
  ];
  for (const [field, fn] of bad) {
    assert.throws(
      fn,
      (e: unknown) => isNoesisError(e, PromptErrorCode.BAD_INPUT) && e.data.field === field,
    );
  }
});

test('the same seed builds the same prompt; the builder is pinned by a vector', () => {
  const seed = taskSeed(secret, block, 0, 0);
  const a = buildPrompt(seed, corpus);
  assert.deepEqual(buildPrompt(Uint8Array.from(seed), corpus), a);
  assert.equal(a.passageIndex >= 0 && a.passageIndex < corpus.passages.length, true);
  assert.ok(TEMPLATE_IDS.includes(a.template));
  // If this vector changes, prompts of past epochs can no longer be recomputed by this build:
  // bump PROMPT_BUILDER_VERSION and update it.
  assert.equal(PROMPT_BUILDER_VERSION, 1);
  assert.equal(
    toHex(hash256(new TextEncoder().encode(JSON.stringify(a)))),
    PINNED_PROMPT_HASH,
    JSON.stringify(a),
  );
});
const PINNED_PROMPT_HASH = 'ac4d7e9784b525da518f75e626411d876683d69193f7607eab0e2742de71d9e2';

test('miners of one round get different prompts, mostly different passages', () => {
  const texts = new Set<string>();
  const passages = new Set<number>();
  const templates = new Set<string>();
  for (let uid = 0; uid < 64; uid++) {
    const p = buildPrompt(taskSeed(secret, block, uid, 0), corpus);
    texts.add(p.text);
    passages.add(p.passageIndex);
    templates.add(p.template);
  }
  assert.equal(texts.size, 64);
  // 64 draws from 322 passages: about 58 distinct expected.
  assert.ok(passages.size >= 50, `${passages.size} distinct passages`);
  assert.ok(templates.size >= 8, `${templates.size} templates`);
});

test('over many seeds every template and most passages appear', () => {
  const passages = new Set<number>();
  const templates = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const p = buildPrompt(taskSeed(secret, block, i % 50, i), corpus);
    passages.add(p.passageIndex);
    templates.set(p.template, (templates.get(p.template) ?? 0) + 1);
  }
  assert.deepEqual([...templates.keys()].sort(), [...TEMPLATE_IDS].sort());
  for (const [id, n] of templates) assert.ok(n > 250 && n < 550, `${id}: ${n}`);
  assert.equal(passages.size, corpus.passages.length);
});

test('the prompt carries its passage, or the passage’s sentences reordered', () => {
  for (let i = 0; i < 300; i++) {
    const p = buildPrompt(taskSeed(secret, block, 1, i), corpus);
    const passage = corpus.passages[p.passageIndex] as string;
    assert.match(p.text, /Begin your answer with the code [A-Z]{3}-\d{3}\.\n\nText:\n/);
    const body = p.text.slice(p.text.indexOf('Text:\n') + 6);
    if (p.template === 'reorder') {
      assert.deepEqual(sentences(body).sort(), sentences(passage).sort());
      if (sentences(passage).length > 2) assert.notEqual(body, passage);
    } else {
      assert.equal(body, passage);
    }
  }
});

test('the seed stream is uniform enough and deterministic', () => {
  const a = new SeedStream(new Uint8Array(32));
  const b = new SeedStream(new Uint8Array(32));
  const counts = new Array<number>(7).fill(0);
  for (let i = 0; i < 7000; i++) {
    const x = a.below(7);
    assert.equal(x, b.below(7));
    counts[x] = (counts[x] as number) + 1;
  }
  for (const c of counts) assert.ok(c > 850 && c < 1150, String(counts));
  assert.throws(() => a.below(0), RangeError);
  assert.deepEqual(new SeedStream(secret).shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
});

test('the deduper refuses a prompt seen in the last N rounds and forgets older ones', () => {
  const d = new PromptDeduper(2);
  assert.equal(d.accept('alpha'), true);
  assert.equal(d.accept('alpha'), false);
  assert.equal(d.size, 1);
  d.nextRound();
  assert.equal(d.accept('alpha'), false, 'still in the window');
  assert.equal(d.accept(Uint8Array.of(1, 2, 3)), true);
  assert.equal(d.has(Uint8Array.of(1, 2, 3)), true);
  d.nextRound();
  assert.equal(d.has('alpha'), false, 'two rounds later it is forgotten');
  assert.equal(d.accept('alpha'), true);
  assert.equal(d.size, 2);
});

test('the deduper stays within maxEntries even without rounds', () => {
  const d = new PromptDeduper(3, 100);
  for (let i = 0; i < 1000; i++) assert.equal(d.accept(`p${i}`), true);
  assert.equal(d.size, 100);
  assert.equal(d.has('p999'), true);
  assert.equal(d.has('p899'), false);
  d.nextRound();
  for (let i = 0; i < 60; i++) d.accept(`q${i}`);
  assert.equal(d.size, 100);
  assert.equal(d.has('q59'), true);
  assert.equal(d.has('p999'), true, 'the newest of the old round are kept');
  assert.equal(d.has('p959'), false, 'the oldest went first');
  assert.throws(
    () => new PromptDeduper(0),
    (e: unknown) => isNoesisError(e, PromptErrorCode.BAD_INPUT),
  );
  assert.throws(
    () => new PromptDeduper(1, 0),
    (e: unknown) => isNoesisError(e, PromptErrorCode.BAD_INPUT),
  );
});
