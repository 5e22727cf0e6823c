/**
 * The shipped prompt corpus loads and passes its own validation; a bad corpus is refused whole
 * with CORPUS_INVALID naming the file, and the digest names exactly one passage list.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  CorpusErrorCode,
  DEFAULT_CORPUS_PATH,
  loadCorpus,
  loadCorpusSync,
  MIN_PASSAGES,
  parseCorpus,
} from '../../../electron/node/roles/corpus.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';

test('the bundled corpus has at least 300 distinct passages in under 200 KB', async () => {
  const corpus = await loadCorpus();
  assert.ok(corpus.passages.length >= 300, `${corpus.passages.length} passages`);
  assert.equal(new Set(corpus.passages).size, corpus.passages.length);
  assert.ok((await stat(DEFAULT_CORPUS_PATH)).size < 200 * 1024);
  assert.match(corpus.digest, /^[0-9a-f]{64}$/);
  assert.deepEqual(loadCorpusSync(), corpus);
  assert.ok(Object.isFrozen(corpus.passages));
});

function passages(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      `Passage number ${i} talks about rivers, mountains, forests and the weather of the valley in plain words.`,
  );
}

function invalid(raw: unknown): string[] {
  try {
    parseCorpus(raw, 'test.json');
  } catch (error) {
    assert.ok(isNoesisError(error, CorpusErrorCode.INVALID));
    assert.equal(error.data.file, 'test.json');
    return error.data.issues as string[];
  }
  assert.fail('accepted a bad corpus');
}

test('a bad corpus is refused with the reason', () => {
  assert.ok(parseCorpus({ version: 1, passages: passages(MIN_PASSAGES) }).passages.length > 0);
  invalid({ version: 2, passages: passages(MIN_PASSAGES) });
  invalid({ version: 1, passages: passages(MIN_PASSAGES - 1) });
  const dup = passages(MIN_PASSAGES);
  dup[5] = dup[4] as string;
  assert.ok(invalid({ version: 1, passages: dup }).some((i) => i.includes('duplicate')));
  const short = passages(MIN_PASSAGES);
  short[3] = 'Too short.';
  assert.ok(invalid({ version: 1, passages: short }).some((i) => i.startsWith('passages.3')));
  const control = passages(MIN_PASSAGES);
  control[0] = `${control[0] as string}\u0000 hidden`;
  invalid({ version: 1, passages: control });
  const padded = passages(MIN_PASSAGES);
  padded[1] = ` ${padded[1] as string}`;
  invalid({ version: 1, passages: padded });
  invalid({ version: 1, passages: passages(MIN_PASSAGES), extra: true });
  invalid(null);
});

test('a file that is not JSON names the file', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-corpus-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'passages.json');
  await writeFile(file, '{ "version": 1, "passages": [');
  await assert.rejects(loadCorpus(file), (error: unknown) => {
    assert.ok(isNoesisError(error, CorpusErrorCode.INVALID));
    assert.equal(error.data.file, file);
    return true;
  });
});

test('the digest changes with any passage and with their order', () => {
  const list = passages(MIN_PASSAGES);
  const a = parseCorpus({ version: 1, passages: list });
  assert.equal(parseCorpus({ version: 1, passages: [...list] }).digest, a.digest);
  const edited = [...list];
  edited[7] = `${edited[7] as string}!`;
  assert.notEqual(parseCorpus({ version: 1, passages: edited }).digest, a.digest);
  const swapped = [list[1], list[0], ...list.slice(2)];
  assert.notEqual(parseCorpus({ version: 1, passages: swapped }).digest, a.digest);
});
