// The double-sign guard on real files: what it persisted survives a restart and it refuses
// a conflicting vote afterwards.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { LockState } from '../../../electron/node/consensus/machine.ts';
import { NIL } from '../../../electron/node/consensus/messages.ts';
import {
  checkSign,
  SigningGuard,
  SigningGuardError,
} from '../../../electron/node/consensus/signing-guard.ts';
import { blockId, proposal, vote } from './fixtures.ts';

const V = blockId('v');
const W = blockId('w');
const LOCK: LockState = { lockedRound: 2, lockedValue: V, validRound: 2, validValue: V };
const NO_LOCK: LockState = { lockedRound: -1, lockedValue: null, validRound: -1, validValue: null };

const dirs: string[] = [];
async function tempFile(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-guard-'));
  dirs.push(dir);
  return path.join(dir, 'signing-state.json');
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('checkSign', () => {
  test('forward passes, identical resends, conflicts and regressions are refused', () => {
    const last = vote(0, 'prevote', 5, 2, V);
    assert.deepEqual(checkSign(null, last), { ok: true, resend: false });
    assert.deepEqual(checkSign(last, vote(0, 'precommit', 5, 2, V)), { ok: true, resend: false });
    assert.deepEqual(checkSign(last, vote(0, 'prevote', 5, 3, NIL)), { ok: true, resend: false });
    assert.deepEqual(checkSign(last, vote(0, 'prevote', 6, 0, W)), { ok: true, resend: false });
    assert.deepEqual(checkSign(last, vote(0, 'prevote', 5, 2, V)), { ok: true, resend: true });
    assert.deepEqual(checkSign(last, vote(0, 'prevote', 5, 2, NIL)), {
      ok: false,
      reason: 'conflict',
    });
    assert.deepEqual(checkSign(last, proposal(0, 5, 2, V)), { ok: false, reason: 'regression' });
    assert.deepEqual(checkSign(last, vote(0, 'precommit', 5, 1, V)), {
      ok: false,
      reason: 'regression',
    });
    assert.deepEqual(checkSign(last, vote(0, 'precommit', 4, 9, V)), {
      ok: false,
      reason: 'regression',
    });
  });
});

describe('SigningGuard', () => {
  test('persists before permitting; a restarted guard refuses a conflicting vote', async () => {
    const file = await tempFile();
    const g = await SigningGuard.open(file);
    assert.equal(g.snapshot(), null);
    const pv = vote(0, 'prevote', 5, 2, V);
    assert.deepEqual(await g.authorize(pv, NO_LOCK), { ok: true, resend: false });
    const pc = vote(0, 'precommit', 5, 2, V);
    assert.deepEqual(await g.authorize(pc, LOCK), { ok: true, resend: false });
    // durable at the moment permission was given
    const onDisk = JSON.parse(await readFile(file, 'utf8'));
    assert.deepEqual(onDisk.lastSigned, pc);
    assert.deepEqual(onDisk.lock, LOCK);

    const restarted = await SigningGuard.open(file);
    assert.deepEqual(restarted.snapshot(), {
      height: 5,
      lastSigned: pc,
      lock: LOCK,
      signed: [pv, pc],
    });
    assert.deepEqual(await restarted.authorize(vote(0, 'precommit', 5, 2, NIL), NO_LOCK), {
      ok: false,
      reason: 'conflict',
    });
    assert.deepEqual(await restarted.authorize(vote(0, 'prevote', 5, 2, W), NO_LOCK), {
      ok: false,
      reason: 'regression',
    });
    assert.deepEqual(await restarted.authorize(pc, LOCK), { ok: true, resend: true });
    assert.deepEqual(await restarted.authorize(vote(0, 'prevote', 5, 3, W), LOCK), {
      ok: true,
      resend: false,
    });
  });

  test('concurrent requests for one (h, r, step) let exactly one through', async () => {
    const g = await SigningGuard.open(await tempFile());
    const results = await Promise.all([
      g.authorize(vote(0, 'prevote', 1, 0, V), NO_LOCK),
      g.authorize(vote(0, 'prevote', 1, 0, W), NO_LOCK),
      g.authorize(vote(0, 'prevote', 1, 0, NIL), NO_LOCK),
    ]);
    assert.equal(results.filter((r) => r.ok).length, 1);
  });

  test('an unreadable file halts signing instead of being wiped', async () => {
    const file = await tempFile();
    await writeFile(file, '{"version":1,"lastSigned":');
    await assert.rejects(SigningGuard.open(file), SigningGuardError);
    assert.equal(await readFile(file, 'utf8'), '{"version":1,"lastSigned":');
  });
});
