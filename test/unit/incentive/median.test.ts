// The stake-weighted median against subtensor's tests/math.rs
// (test_math_weighted_median, test_math_weighted_median_col_sparse) and its boundary rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { weightedMedian } from '../../../electron/node/incentive/yuma.ts';
import { div32 } from '../../../electron/node/incentive/fixed.ts';

// `I32F32::from_num(x as f32)` for test inputs (subtensor's `fixed(f32)` / `vec_to_fixed`).
const f = (x: number): number => Math.round(Math.fround(x) * 2 ** 32);

function median(stake: number[], score: number[], minority: number, hi: number): number {
  const m = stake.length;
  const bufs: [Int32Array, Int32Array, Int32Array] = [
    new Int32Array(m),
    new Int32Array(m),
    new Int32Array(m),
  ];
  return weightedMedian(
    Float64Array.from(stake),
    Float64Array.from(score),
    0,
    m,
    minority,
    hi,
    bufs,
  );
}

/** subtensor's `weighted_median_col_sparse` preparation, column by column. */
function medianCols(stake: number[], rows: number[][], majority: number): number[] {
  const use = stake.map(f).filter((s) => s > 0);
  const total = use.reduce((a, b) => a + b, 0);
  const norm = use.map((s) => div32(s, total));
  const sum = norm.reduce((a, b) => a + b, 0);
  const minority = sum - f(majority);
  const cols = (rows[0] as number[]).length;
  const positiveRows = rows.filter((_, i) => f(stake[i] as number) > 0);
  return Array.from({ length: cols }, (_, j) =>
    median(
      norm,
      positiveRows.map((r) => f(r[j] as number)),
      minority,
      sum,
    ),
  );
}

test('test_math_weighted_median: small fixed cases', () => {
  const one = f(1);
  const minority = one - f(0.51);
  assert.equal(median([], [], minority, 0), 0);
  assert.equal(median([f(0.49), f(0.51)], [f(0.5), f(1)], minority, f(0.49) + f(0.51)), one);
  assert.equal(median([f(0.51), f(0.49)], [f(0.5), f(1)], minority, f(0.49) + f(0.51)), f(0.5));
});

test('test_math_weighted_median_col_sparse: known medians', () => {
  const rows = [
    [0, 0.1, 0],
    [0, 0.2, 0.4],
    [0, 0.3, 0.1],
    [0, 0.4, 0.5],
  ];
  const stake = [0, 0.75, 0.25, 0];
  assert.deepEqual(medianCols(stake, rows, 0.24), [0, f(0.3), f(0.4)]);
  assert.deepEqual(medianCols(stake, rows, 0.26), [0, f(0.2), f(0.4)]);
  assert.deepEqual(medianCols(stake, rows, 0.76), [0, f(0.2), f(0.1)]);
  const rows2 = [
    [0, 0.1, 0],
    [0, 0.2, 0.4],
    [0, 0.3, 0.1],
    [0, 0, 0.5],
  ];
  assert.deepEqual(medianCols([0, 0.3, 0.2, 0.5], rows2, 0.51), [0, 0, f(0.4)]);
});

test('boundary: stake below the pivot equal to the minority does not move the median down', () => {
  // Two validators with exactly half the stake each, minority exactly 1/2: `minority < lo + lo_stake`
  // is false at equality, the upper half is empty, so the pivot (the higher score) is returned.
  const half = 2 ** 31;
  assert.equal(median([half, half], [f(0.2), f(0.8)], half, 2 ** 32), f(0.8));
  // `hi − hi_stake <= minority` is true at equality: the pivot is the zero-stake 0.2, the upper
  // partition {0.8} holds half the stake, hi − 1/2 = 1/2 <= 1/2, so the median moves up to 0.8.
  assert.equal(median([half, half, 0], [f(0.8), f(0.2), f(0.1)], half, 2 ** 32), f(0.8));
});
