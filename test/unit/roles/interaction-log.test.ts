/**
 * The interaction log on a real temporary folder: entries survive a reopen, a torn last line is
 * cut and the log keeps working, a damaged line before it is refused naming the file, bad or
 * duplicate entries change nothing, old epochs are pruned, and prove() verifies against root().
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { ZERO_HASH } from '../../../electron/node/chain/crypto.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';
import {
  epochFileName,
  InteractionLog,
  InteractionLogErrorCode,
  type InteractionEntry,
} from '../../../electron/node/roles/interaction-log.ts';
import {
  interactionLeaf,
  merkleRoot,
  verifyMerkleProof,
} from '../../../electron/node/roles/merkle.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-interactions-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const hex = (n: number) => n.toString(16).padStart(64, '0');

function entry(i: number, epoch = 1, netuid = 1): InteractionEntry {
  const results = ['pass', 'fail', 'unchecked', 'timeout', 'refused', 'error'] as const;
  const result = results[i % results.length]!;
  const answered = result === 'pass' || result === 'unchecked' || result === 'fail';
  return {
    taskId: hex(1_000_000 * netuid + 1000 * epoch + i),
    netuid,
    epoch,
    minerUid: i % 7,
    minerHotkey: hex(500 + (i % 7)),
    answerHash: answered ? hex(9000 + i) : ZERO_HASH,
    result,
    score: result === 'pass' || result === 'unchecked' ? 0.5 + i / 1000 : 0,
    ttftMs: answered ? 120 + i : null,
    tokensPerSecond: answered ? 30.5 : null,
    at: 1_700_000_000_000 + i,
  };
}

test('entries, roots and proofs survive a reopen', async (t) => {
  const dir = await tempDir(t);
  const log = await InteractionLog.open(dir);
  const batch = Array.from({ length: 13 }, (_, i) => entry(i));
  await log.append(batch.slice(0, 5));
  for (const e of batch.slice(5)) await log.append(e);
  await log.append(entry(0, 2));
  const { root, count } = log.root(1, 1);
  assert.equal(count, 13);
  assert.equal(root, merkleRoot(batch.map(interactionLeaf)));
  await log.close();

  const again = await InteractionLog.open(dir);
  t.after(() => again.close());
  assert.equal(again.tornBytes, 0);
  assert.deepEqual(again.entries(1, 1), batch);
  assert.deepEqual(again.root(1, 1), { root, count });
  assert.deepEqual(again.epochs(), [
    { netuid: 1, epoch: 1, count: 13 },
    { netuid: 1, epoch: 2, count: 1 },
  ]);
  assert.deepEqual(again.root(1, 99), { root: ZERO_HASH, count: 0 });
  const found = again.find(entry(7).taskId);
  assert.deepEqual(found, { netuid: 1, epoch: 1, index: 7, entry: entry(7) });
  assert.equal(again.find(hex(424242)), null);
  assert.equal(again.prove(hex(424242)), null);
});

test('every prove() verifies against the committed root and count', async (t) => {
  const dir = await tempDir(t);
  const log = await InteractionLog.open(dir);
  t.after(() => log.close());
  const batch = Array.from({ length: 11 }, (_, i) => entry(i, 3));
  await log.append(batch);
  const committed = log.root(1, 3);
  for (const e of batch) {
    const p = log.prove(e.taskId)!;
    assert.deepEqual(p.entry, e);
    assert.equal(p.root, committed.root);
    assert.equal(p.proof.leafCount, committed.count);
    assert.equal(p.leaf, Buffer.from(interactionLeaf(e)).toString('hex'));
    assert.equal(verifyMerkleProof(p.leaf, p.proof, committed.root), true);
    // The entry as proven is the one logged: change its score and the leaf no longer verifies.
    const forged = interactionLeaf({ ...e, score: e.score === 0 ? 0.000001 : 0 });
    assert.equal(verifyMerkleProof(forged, p.proof, committed.root), false);
  }
  // A later append changes the root; proofs are of the log as it is now.
  await log.append(entry(20, 3));
  assert.notEqual(log.root(1, 3).root, committed.root);
  const p = log.prove(batch[0]!.taskId)!;
  assert.equal(verifyMerkleProof(p.leaf, p.proof, log.root(1, 3).root), true);
});

test('a torn last line is cut off on open and the log keeps working', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, epochFileName(1, 1));
  const log = await InteractionLog.open(dir);
  await log.append([entry(0), entry(1)]);
  await log.close();
  const whole = await readFile(file, 'utf8');
  const line = JSON.stringify(entry(2));
  for (const cut of [1, 10, line.length - 1, line.length]) {
    await writeFile(file, whole);
    await appendFile(file, line.slice(0, cut)); // the crash came before the newline
    const reopened = await InteractionLog.open(dir);
    assert.equal(reopened.tornBytes, cut);
    assert.deepEqual(reopened.entries(1, 1), [entry(0), entry(1)]);
    assert.equal(await readFile(file, 'utf8'), whole, 'the torn bytes are gone from disk');
    await reopened.append(entry(2));
    assert.deepEqual(reopened.entries(1, 1), [entry(0), entry(1), entry(2)]);
    await reopened.close();
    const clean = await InteractionLog.open(dir);
    assert.equal(clean.tornBytes, 0);
    assert.equal(clean.entries(1, 1).length, 3);
    await clean.close();
  }
});

test('a damaged line before the last newline is refused, naming the file and line', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, epochFileName(1, 1));
  const log = await InteractionLog.open(dir);
  await log.append([entry(0), entry(1), entry(2)]);
  await log.close();
  const lines = (await readFile(file, 'utf8')).split('\n');
  const damaged = [
    [lines[0], '{"taskId": "', lines[2], ''],
    [lines[0], lines[1]!.replace('"score":', '"scor":'), lines[2], ''],
    [lines[0], lines[0], lines[2], ''],
    [lines[0], lines[1]!.replace('"epoch":1', '"epoch":2'), lines[2], ''],
    [lines[0], '', lines[2], ''],
  ];
  for (const content of damaged) {
    await writeFile(file, content.join('\n'));
    const before = await readFile(file, 'utf8');
    await assert.rejects(InteractionLog.open(dir), (error: unknown) => {
      assert.ok(isNoesisError(error, InteractionLogErrorCode.CORRUPT));
      assert.equal(error.data.file, file);
      assert.equal(error.data.line, 2);
      assert.match(error.message, new RegExp(epochFileName(1, 1)));
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), before, 'a damaged log is left as it was');
  }
});

test('a bad or duplicate entry refuses the whole batch and writes nothing', async (t) => {
  const dir = await tempDir(t);
  const log = await InteractionLog.open(dir);
  t.after(() => log.close());
  await log.append([entry(0), entry(1)]);
  const file = path.join(dir, epochFileName(1, 1));
  const before = await readFile(file, 'utf8');
  const bad: Array<[InteractionEntry[], string]> = [
    [[entry(2), { ...entry(3), score: 1.5 }], InteractionLogErrorCode.BAD_ENTRY],
    [[{ ...entry(3), minerHotkey: 'AB'.repeat(32) }], InteractionLogErrorCode.BAD_ENTRY],
    [[{ ...entry(3), result: 'maybe' as 'pass' }], InteractionLogErrorCode.BAD_ENTRY],
    [[{ ...entry(3), extra: 1 } as InteractionEntry], InteractionLogErrorCode.BAD_ENTRY],
    [[entry(2), entry(1)], InteractionLogErrorCode.DUPLICATE_TASK],
    [[entry(2), entry(2)], InteractionLogErrorCode.DUPLICATE_TASK],
    [[entry(2), { ...entry(0), epoch: 2 }], InteractionLogErrorCode.DUPLICATE_TASK],
  ];
  for (const [batch, code] of bad) {
    await assert.rejects(log.append(batch), (e: unknown) => isNoesisError(e, code));
  }
  assert.equal(await readFile(file, 'utf8'), before);
  assert.deepEqual(log.entries(1, 1), [entry(0), entry(1)]);
  assert.deepEqual(await readdir(dir), [epochFileName(1, 1)]);
  await log.append(entry(2));
  assert.equal(log.entries(1, 1).length, 3);
});

test('epochs beyond the retention are pruned per subnet, and refused when older', async (t) => {
  const dir = await tempDir(t);
  const log = await InteractionLog.open(dir, { retainEpochs: 3 });
  for (let epoch = 1; epoch <= 5; epoch++) await log.append([entry(0, epoch), entry(1, epoch)]);
  await log.append(entry(0, 1, 2)); // another subnet keeps its own
  assert.deepEqual(
    log.epochs().map((e) => `${e.netuid}/${e.epoch}`),
    ['1/3', '1/4', '1/5', '2/1'],
  );
  assert.deepEqual((await readdir(dir)).sort(), [
    epochFileName(1, 3),
    epochFileName(1, 4),
    epochFileName(1, 5),
    epochFileName(2, 1),
  ]);
  assert.equal(log.find(entry(0, 1).taskId), null);
  assert.equal(log.prove(entry(0, 2).taskId), null);
  await assert.rejects(log.append(entry(5, 2)), (e: unknown) =>
    isNoesisError(e, InteractionLogErrorCode.EPOCH_PRUNED),
  );
  await log.close();
  // Reopening with a smaller retention prunes on open.
  const small = await InteractionLog.open(dir, { retainEpochs: 1 });
  t.after(() => small.close());
  assert.deepEqual(
    small.epochs().map((e) => `${e.netuid}/${e.epoch}`),
    ['1/5', '2/1'],
  );
});

test('unsynced appends are kept after flush; a closed log refuses work', async (t) => {
  const dir = await tempDir(t);
  const log = await InteractionLog.open(dir);
  await Promise.all([
    log.append(entry(0), { sync: false }),
    log.append(entry(1), { sync: false }),
    log.append(entry(2, 2), { sync: false }),
  ]);
  await log.flush();
  const pending = log.append(entry(3), { sync: false });
  const closing = log.close();
  await pending; // queued before close: it still runs
  await closing;
  await assert.rejects(log.append(entry(4)), (e: unknown) =>
    isNoesisError(e, InteractionLogErrorCode.CLOSED),
  );
  const again = await InteractionLog.open(dir);
  t.after(() => again.close());
  assert.deepEqual(again.entries(1, 1), [entry(0), entry(1), entry(3)]);
  assert.deepEqual(again.entries(1, 2), [entry(2, 2)]);
});

test('files that are not epoch logs are ignored, and a task id in two files is refused', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'notes.txt'), 'hello');
  const log = await InteractionLog.open(dir);
  await log.append(entry(0, 1));
  await log.close();
  const line = await readFile(path.join(dir, epochFileName(1, 1)), 'utf8');
  await writeFile(path.join(dir, epochFileName(1, 2)), line.replace('"epoch":1', '"epoch":2'));
  await assert.rejects(InteractionLog.open(dir), (e: unknown) =>
    isNoesisError(e, InteractionLogErrorCode.CORRUPT),
  );
});
