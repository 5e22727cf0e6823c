import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BlockLog } from '../../../electron/node/chain/store/block-log.ts';
import { ChainErrorCode } from '../../../electron/node/chain/errors.ts';

async function tempLog(): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-log-'));
  return { dir, file: path.join(dir, 'blocks.log') };
}

function entry(i: number) {
  return { block: new Uint8Array(100 + i).fill(i), commit: Uint8Array.of(i, i, i) };
}

async function writeRecords(file: string, n: number): Promise<number[]> {
  const { log } = await BlockLog.open(file);
  const ends: number[] = [];
  for (let i = 1; i <= n; i++) {
    await log.append(entry(i));
    ends.push((await stat(file)).size);
  }
  await log.close();
  return ends;
}

test('records read back in order after reopening', async (t) => {
  const { dir, file } = await tempLog();
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeRecords(file, 5);
  const { log, truncatedBytes } = await BlockLog.open(file);
  assert.equal(truncatedBytes, 0);
  assert.equal(log.count, 5);
  for (let i = 1; i <= 5; i++) assert.deepEqual(await log.read(i), entry(i));
  await log.close();
});

test('a record torn at any byte is dropped whole and the log keeps working', async (t) => {
  const { dir, file } = await tempLog();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ends = await writeRecords(file, 3);
  const full = await readFile(file);
  const start = ends[1] as number;
  const end = ends[2] as number;
  for (let cut = start + 1; cut < end; cut += 7) {
    await writeFile(file, full.subarray(0, cut));
    const { log, truncatedBytes } = await BlockLog.open(file);
    assert.equal(log.count, 2, `cut at ${cut}`);
    assert.equal(truncatedBytes, cut - start);
    assert.equal((await stat(file)).size, start);
    await log.append(entry(9));
    assert.deepEqual(await log.read(3), entry(9));
    await log.close();
  }
});

test('a zero-filled tail (file grown, data never written) is a torn record', async (t) => {
  const { dir, file } = await tempLog();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ends = await writeRecords(file, 2);
  await truncate(file, (ends[1] as number) + 300);
  const { log, truncatedBytes } = await BlockLog.open(file);
  assert.equal(log.count, 2);
  assert.equal(truncatedBytes, 300);
  await log.close();
});

test('a bad checksum on the last record is torn; before the last record it is corruption', async (t) => {
  const { dir, file } = await tempLog();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ends = await writeRecords(file, 3);
  const flip = async (at: number) => {
    const h = await open(file, 'r+');
    const b = Buffer.alloc(1);
    await h.read(b, 0, 1, at);
    b[0] = (b[0] as number) ^ 0xff;
    await h.write(b, 0, 1, at);
    await h.close();
  };
  await flip((ends[2] as number) - 2); // inside the last record's payload
  const first = await BlockLog.open(file);
  assert.equal(first.log.count, 2);
  await first.log.close();
  await writeRecords(file, 0);
  const reopened = await BlockLog.open(file);
  await reopened.log.append(entry(3));
  await reopened.log.append(entry(4));
  await reopened.log.close();
  await flip((ends[0] as number) + 20); // inside record 2, records follow
  await assert.rejects(BlockLog.open(file), { code: ChainErrorCode.LOG_CORRUPT });
  // Read-only opening never truncates.
  const ro = await tempLog();
  t.after(() => rm(ro.dir, { recursive: true, force: true }));
  const roEnds = await writeRecords(ro.file, 2);
  await truncate(ro.file, (roEnds[1] as number) - 5);
  const view = await BlockLog.open(ro.file, { readOnly: true });
  assert.equal(view.log.count, 1);
  await view.log.close();
  assert.equal((await stat(ro.file)).size, (roEnds[1] as number) - 5);
});
