/**
 * Spot checks: every answer is checked until the miner has minChecked checked answers, then a
 * seeded fraction; the decision depends on the secret and the task id only, and the rate keeps
 * about minChecked unpredictable checks after the warm-up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNoesisError } from '../../../electron/node/errors.ts';
import { ScoringErrorCode } from '../../../electron/node/roles/scoring.ts';
import { checkDraw, shouldVerify, spotCheckRate } from '../../../electron/node/roles/spot-check.ts';

const secret = new Uint8Array(32).fill(9);
const plan = { minChecked: 10, expectedTasksPerEpoch: 100, baseRate: 0.05 };
const taskId = (i: number) => i.toString(16).padStart(64, '0');

test('every answer is checked until the miner has minChecked checked answers', () => {
  for (let i = 0; i < 200; i++) {
    const state = { checkedThisEpoch: i % 10, sentThisEpoch: i };
    assert.equal(shouldVerify(secret, taskId(i), state, plan), true);
  }
});

test('after the warm-up about max(baseRate, minChecked / expected) of answers are checked', () => {
  assert.equal(spotCheckRate(plan), 0.1);
  assert.equal(spotCheckRate({ ...plan, baseRate: 0.3 }), 0.3);
  assert.equal(spotCheckRate({ ...plan, expectedTasksPerEpoch: 5 }), 1);
  assert.equal(spotCheckRate({ ...plan, expectedTasksPerEpoch: 0 }), 1);
  const state = { checkedThisEpoch: 10, sentThisEpoch: 50 };
  let checked = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) if (shouldVerify(secret, taskId(i), state, plan)) checked++;
  assert.ok(Math.abs(checked / n - 0.1) < 0.01, `${checked} of ${n}`);
  let none = 0;
  for (let i = 0; i < 1000; i++) {
    if (
      shouldVerify(secret, taskId(i), state, { ...plan, baseRate: 0, expectedTasksPerEpoch: 1e9 })
    )
      none++;
  }
  assert.ok(none <= 2, `${none}`);
});

test('the decision is a function of the secret and the task id, and flags force it', () => {
  const state = { checkedThisEpoch: 50, sentThisEpoch: 60 };
  const other = new Uint8Array(32).fill(10);
  let differs = 0;
  for (let i = 0; i < 500; i++) {
    const a = shouldVerify(secret, taskId(i), state, plan);
    assert.equal(shouldVerify(Uint8Array.from(secret), taskId(i), state, plan), a);
    if (shouldVerify(other, taskId(i), state, plan) !== a) differs++;
    assert.equal(shouldVerify(secret, taskId(i), state, plan, { unusuallyFast: true }), true);
  }
  assert.ok(differs > 40, `${differs}`);
  const d = checkDraw(secret, taskId(1));
  assert.ok(d >= 0 && d < 1);
  assert.equal(checkDraw(secret, taskId(1)), d);
});

test('bad inputs are refused', () => {
  const state = { checkedThisEpoch: 0, sentThisEpoch: 0 };
  const bad = [
    () => shouldVerify(new Uint8Array(8), taskId(1), state, plan),
    () => shouldVerify(secret, '', state, plan),
    () => shouldVerify(secret, taskId(1), { checkedThisEpoch: -1, sentThisEpoch: 0 }, plan),
    () => shouldVerify(secret, taskId(1), state, { ...plan, baseRate: 1.5 }),
    () => shouldVerify(secret, taskId(1), state, { ...plan, minChecked: 2.5 }),
  ];
  for (const fn of bad)
    assert.throws(fn, (e: unknown) => isNoesisError(e, ScoringErrorCode.BAD_INPUT));
});
