/**
 * Scores: failed, refused, timed-out and erroring tasks score 0; a correct answer scores in
 * [0.65, 1] and slower earns less; the epoch's EMA decays without answers and resets on a fail
 * rate at or above the cut; weights are u16 with the largest at 65535, zeros left out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNoesisError } from '../../../electron/node/errors.ts';
import {
  EpochBook,
  median,
  roundRefs,
  ScoringErrorCode,
  scoreToMicro,
  taskScore,
  weightsFromEma,
  type TaskObservation,
} from '../../../electron/node/roles/scoring.ts';

const refs = { ttftRef: 200, tpsRef: 20 };
const ok = (ttftMs: number, tokensPerSecond: number | null, verified: boolean | null = true) =>
  ({ outcome: 'ok', verified, ttftMs, tokensPerSecond }) satisfies TaskObservation;
const hk = (n: number) => n.toString(16).padStart(64, '0');
const isBad = (e: unknown) => isNoesisError(e, ScoringErrorCode.BAD_INPUT);

test('timeouts, refusals, errors and failed checks score 0', () => {
  for (const outcome of ['timeout', 'refused', 'error'] as const) {
    const s = taskScore({ outcome, verified: null, ttftMs: null, tokensPerSecond: null }, refs);
    assert.deepEqual(s, { score: 0, reason: outcome, result: outcome });
  }
  assert.deepEqual(taskScore(ok(10, 100, false), refs), {
    score: 0,
    reason: 'failed-check',
    result: 'fail',
  });
});

test('a correct answer at or above the references scores 1; unchecked scores the same', () => {
  assert.deepEqual(taskScore(ok(200, 20), refs), { score: 1, reason: 'verified', result: 'pass' });
  assert.equal(taskScore(ok(50, 80), refs).score, 1);
  assert.deepEqual(taskScore(ok(200, 20, null), refs), {
    score: 1,
    reason: 'unchecked',
    result: 'unchecked',
  });
});

test('slower earns less, down to 0.65, and never below', () => {
  let last = Infinity;
  for (const ttft of [200, 250, 300, 400, 600, 800, 2000, 1e6]) {
    const s = taskScore(ok(ttft, 20), refs).score;
    assert.ok(s <= last, `ttft ${ttft}: ${s} > ${last}`);
    last = s;
  }
  last = Infinity;
  for (const tps of [20, 18, 15, 10, 6, 3, 1, 0]) {
    const s = taskScore(ok(200, tps), refs).score;
    assert.ok(s <= last, `tps ${tps}: ${s} > ${last}`);
    last = s;
  }
  assert.ok(taskScore(ok(400, 20), refs).score < 1);
  assert.ok(
    taskScore(ok(200, 10), refs).score < taskScore(ok(400, 20), refs).score,
    'rate weighs more',
  );
  // speed = 0.5^0.3 · 0.5^0.7 = 0.5 → 0.75
  assert.ok(Math.abs(taskScore(ok(400, 10), refs).score - 0.75) < 1e-12);
  assert.ok(Math.abs(taskScore(ok(1e9, 0), refs).score - 0.65) < 1e-12);
});

test('missing references or a one-token answer count as full speed; bad inputs are refused', () => {
  assert.equal(taskScore(ok(5000, 1), { ttftRef: null, tpsRef: null }).score, 1);
  assert.equal(taskScore(ok(5000, 1), { ttftRef: 0, tpsRef: 0 }).score, 1);
  assert.equal(taskScore(ok(200, null), refs).score, 1);
  assert.equal(taskScore(ok(0, 20), refs).score, 1);
  assert.throws(() => taskScore(ok(-1, 20), refs), isBad);
  assert.throws(() => taskScore(ok(Number.NaN, 20), refs), isBad);
  assert.throws(() => taskScore(ok(10, -2), refs), isBad);
  assert.throws(() => taskScore(ok(10, 2), { ttftRef: Number.NaN, tpsRef: 1 }), isBad);
  assert.throws(
    () => taskScore({ outcome: 'ok', verified: true, ttftMs: null, tokensPerSecond: 1 }, refs),
    isBad,
  );
});

test('median and the round references', () => {
  assert.equal(median([]), null);
  assert.equal(median([3]), 3);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([null, 7, undefined, Number.NaN, 1]), 4);
  const input = [9, 1, 5];
  median(input);
  assert.deepEqual(input, [9, 1, 5], 'the input is not sorted in place');
  assert.deepEqual(
    roundRefs([
      { verified: true, ttftMs: 100, tokensPerSecond: 10 },
      { verified: true, ttftMs: 300, tokensPerSecond: 30 },
      { verified: false, ttftMs: 1, tokensPerSecond: 1000 },
      { verified: null, ttftMs: 1, tokensPerSecond: 1000 },
      { verified: true, ttftMs: 200, tokensPerSecond: null },
    ]),
    { ttftRef: 200, tpsRef: 20 },
  );
  assert.deepEqual(roundRefs([]), { ttftRef: null, tpsRef: null });
});

test('scores become integers in millionths', () => {
  assert.equal(scoreToMicro(0), 0);
  assert.equal(scoreToMicro(1), 1_000_000);
  assert.equal(scoreToMicro(0.6543215), 654322);
  assert.throws(() => scoreToMicro(1.01), isBad);
});

function feed(
  book: EpochBook,
  uid: number,
  hotkey: string,
  results: Array<['pass' | 'fail' | 'unchecked' | 'timeout', number]>,
) {
  for (const [result, score] of results) {
    book.sent(uid, hotkey);
    book.record(uid, hotkey, { result, score });
  }
}

test('the EMA moves by alpha toward the epoch score (mean over tasks sent)', () => {
  const book = new EpochBook();
  feed(book, 1, hk(1), [
    ['pass', 1],
    ['unchecked', 0.8],
    ['timeout', 0],
    ['pass', 0.6],
  ]);
  const closed = book.closeEpoch(new Map([[hk(1), 0.5]]), { alpha: 0.1 });
  assert.equal(closed.miners.length, 1);
  const m = closed.miners[0]!;
  assert.equal(m.epochScore, 0.6);
  assert.ok(Math.abs(m.ema - (0.1 * 0.6 + 0.9 * 0.5)) < 1e-12);
  assert.equal(m.reason, 'scored');
  assert.equal(m.reset, false);
  assert.equal(m.fresh, false);
  assert.deepEqual([m.sent, m.answered, m.checked, m.failed], [4, 3, 2, 0]);
  assert.equal(closed.ema.get(hk(1)), m.ema);
  assert.equal(closed.emaByUid.get(1), m.ema);
  // A task sent and never recorded counts as 0.
  const book2 = new EpochBook();
  feed(book2, 1, hk(1), [['pass', 1]]);
  book2.sent(1, hk(1));
  assert.equal(book2.closeEpoch(new Map()).miners[0]!.epochScore, 0.5);
});

test('a miner that answered nothing, or was sent nothing, decays; a new hotkey starts at 0', () => {
  const book = new EpochBook();
  feed(book, 1, hk(1), [
    ['timeout', 0],
    ['timeout', 0],
  ]);
  feed(book, 3, hk(3), [['pass', 1]]);
  const prev = new Map([
    [hk(1), 0.8],
    [hk(2), 0.6],
    [hk(9), 0.9], // uid 3 belonged to hotkey 9 before
  ]);
  const neurons = [
    { uid: 1, hotkey: hk(1) },
    { uid: 2, hotkey: hk(2) },
    { uid: 3, hotkey: hk(3) },
  ];
  const closed = book.closeEpoch(prev, { alpha: 0.5 }, neurons);
  const [a, b, c] = closed.miners;
  assert.deepEqual([a!.reason, a!.epochScore, a!.ema], ['no-answers', 0, 0.4]);
  assert.deepEqual([b!.reason, b!.epochScore, b!.ema], ['not-sent', null, 0.3]);
  assert.deepEqual([c!.reason, c!.fresh, c!.ema], ['scored', true, 0.5]);
  assert.equal(closed.ema.has(hk(9)), false, 'the deregistered hotkey is dropped');
  assert.deepEqual([...closed.emaByUid.keys()], [1, 2, 3]);
  // Epoch after epoch with nothing answered, the EMA keeps falling geometrically.
  let ema = new Map([[hk(1), 0.8]]);
  for (let i = 0; i < 10; i++) {
    ema = new EpochBook().closeEpoch(ema, { alpha: 0.1 }, [{ uid: 1, hotkey: hk(1) }]).ema;
  }
  assert.ok(Math.abs(ema.get(hk(1))! - 0.8 * 0.9 ** 10) < 1e-12);
});

test('a fail rate at or above the cut zeroes the epoch and resets the EMA', () => {
  // 10 checked, 2 failed = 20 % ≥ 15 %
  const book = new EpochBook();
  feed(book, 4, hk(4), [
    ...Array.from({ length: 8 }, () => ['pass', 1] as ['pass', number]),
    ['fail', 0],
    ['fail', 0],
    ['unchecked', 1],
  ]);
  const m = book.closeEpoch(new Map([[hk(4), 0.9]])).miners[0]!;
  assert.deepEqual([m.reason, m.reset, m.epochScore, m.ema], ['failed-checks', true, 0, 0]);
  // 1 of 10 = 10 %: below the cut, the failed answer just scores 0.
  const fine = new EpochBook();
  feed(fine, 4, hk(4), [
    ...Array.from({ length: 9 }, () => ['pass', 1] as ['pass', number]),
    ['fail', 0],
  ]);
  const f = fine.closeEpoch(new Map([[hk(4), 0.9]])).miners[0]!;
  assert.deepEqual([f.reason, f.reset, f.epochScore], ['scored', false, 0.9]);
});

test('on a short epoch the cut applies from 3 checked answers, not below', () => {
  const three = new EpochBook();
  feed(three, 5, hk(5), [
    ['pass', 1],
    ['pass', 1],
    ['fail', 0],
  ]);
  const m = three.closeEpoch(new Map([[hk(5), 0.7]])).miners[0]!;
  assert.equal(m.reset, true);
  assert.equal(m.ema, 0);
  const two = new EpochBook();
  feed(two, 5, hk(5), [
    ['pass', 1],
    ['fail', 0],
  ]);
  const n = two.closeEpoch(new Map([[hk(5), 0.7]])).miners[0]!;
  assert.equal(n.reset, false);
  assert.equal(n.epochScore, 0.5);
  // The threshold is a parameter.
  const strict = two.closeEpoch(new Map([[hk(5), 0.7]]), { earlyCutMinChecked: 2 }).miners[0]!;
  assert.equal(strict.reset, true);
});

test('without a neuron list the latest hotkey on a uid wins and absent EMAs decay', () => {
  const book = new EpochBook();
  feed(book, 1, hk(1), [['pass', 1]]);
  feed(book, 1, hk(2), [['pass', 0.8]]); // uid 1 re-registered by hotkey 2
  const closed = book.closeEpoch(
    new Map([
      [hk(1), 0.5],
      [hk(7), 0.5],
    ]),
    { alpha: 0.5 },
  );
  assert.deepEqual(
    closed.miners.map((m) => [m.uid, m.hotkey, m.fresh]),
    [[1, hk(2), true]],
  );
  assert.equal(closed.ema.get(hk(2)), 0.4);
  assert.equal(closed.ema.has(hk(1)), false);
  assert.equal(closed.ema.get(hk(7)), 0.25);
});

test('the book counts checks in flight for shouldVerify and refuses bad records', () => {
  const book = new EpochBook();
  book.sent(1, hk(1));
  book.beginCheck(1, hk(1));
  assert.deepEqual(book.minerState(1, hk(1)), { checkedThisEpoch: 1, sentThisEpoch: 1 });
  book.record(1, hk(1), { result: 'pass', score: 1 });
  assert.deepEqual(book.minerState(1, hk(1)), { checkedThisEpoch: 1, sentThisEpoch: 1 });
  assert.deepEqual(book.minerState(2, hk(2)), { checkedThisEpoch: 0, sentThisEpoch: 0 });
  assert.deepEqual(book.miner(hk(1)), { sent: 1, answered: 1, checked: 1, failed: 0, pending: 0 });
  const before = JSON.stringify(book.tallyList());
  assert.throws(() => book.record(1, hk(1), { result: 'fail', score: 0.5 }), isBad);
  assert.throws(() => book.record(1, hk(1), { result: 'timeout', score: 1 }), isBad);
  assert.throws(() => book.record(1, hk(1), { result: 'pass', score: 1.2 }), isBad);
  assert.throws(() => book.record(1, hk(1), { result: 'maybe' as 'pass', score: 1 }), isBad);
  assert.throws(() => book.record(-1, hk(1), { result: 'pass', score: 1 }), isBad);
  assert.throws(() => book.record(1, 'xyz', { result: 'pass', score: 1 }), isBad);
  assert.equal(JSON.stringify(book.tallyList()), before, 'nothing changed');
  assert.throws(() => book.closeEpoch(new Map([[hk(1), 2]])), isBad);
  assert.throws(() => book.closeEpoch(new Map(), { alpha: 0 }), isBad);
  assert.throws(
    () =>
      book.closeEpoch(new Map(), {}, [
        { uid: 1, hotkey: hk(1) },
        { uid: 1, hotkey: hk(2) },
      ]),
    isBad,
  );
});

test('weights: ema^exponent scaled so the largest is 65535, zeros left out, uids ascending', () => {
  const ema = new Map([
    [7, 0.5],
    [2, 1],
    [4, 0],
    [9, 0.25],
  ]);
  assert.deepEqual(weightsFromEma(ema, 2), { uids: [2, 7, 9], weights: [65535, 16384, 4096] });
  assert.deepEqual(weightsFromEma(ema, 1), { uids: [2, 7, 9], weights: [65535, 32768, 16384] });
  // Only ratios matter: halving every EMA gives the same weights.
  const half = new Map([...ema].map(([u, e]) => [u, e / 2]));
  assert.deepEqual(weightsFromEma(half, 2), weightsFromEma(ema, 2));
  // A weight that rounds to 0 is left out.
  assert.deepEqual(
    weightsFromEma(
      new Map([
        [0, 1],
        [1, 0.001],
      ]),
      2,
    ),
    { uids: [0], weights: [65535] },
  );
  assert.deepEqual(weightsFromEma(new Map([[0, 0]]), 2), { uids: [], weights: [] });
  assert.deepEqual(weightsFromEma(new Map(), 2), { uids: [], weights: [] });
  // Insertion order does not matter.
  assert.deepEqual(weightsFromEma(new Map([...ema].reverse()), 2), weightsFromEma(ema, 2));
  assert.throws(() => weightsFromEma(ema, 1.5), isBad);
  assert.throws(() => weightsFromEma(new Map([[1, 1.5]]), 2), isBad);
  assert.throws(() => weightsFromEma(new Map([[-1, 0.5]]), 2), isBad);
});

test('a superlinear exponent favours the better miner more than a linear one', () => {
  const ema = new Map([
    [0, 0.9],
    [1, 0.6],
  ]);
  const lin = weightsFromEma(ema, 1).weights;
  const sq = weightsFromEma(ema, 2).weights;
  assert.ok(sq[1]! / sq[0]! < lin[1]! / lin[0]!);
  for (const w of [...lin, ...sq]) assert.ok(Number.isInteger(w) && w >= 0 && w <= 65535);
});
