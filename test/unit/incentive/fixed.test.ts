// Fixed-point primitives against known values: substrate-fixed v0.6.0's own doc examples,
// subtensor's `tests/math.rs`, values worked out by hand, and the fast `number` kernels against
// the bigint reference, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  I32F32,
  I64F64,
  I96F32,
  div32,
  fixedFormat,
  fxCheckedDiv,
  fxCheckedMul,
  fxConvert,
  fxFromInt,
  fxMul,
  fxRound,
  fxSafeDiv,
  fxSaturatingDiv,
  fxToUnsigned,
  mul32,
  proportionToU16,
  u16ToProportion,
  vecMaxUpscaleToU16,
} from '../../../electron/node/incentive/fixed.ts';

// `Fix = FixedI16<U4>` as in substrate-fixed's doc examples (12 integer bits, 4 fractional).
const FIX = fixedFormat('I12F4', 16, 4);
const fix = (x: number): bigint => BigInt(Math.round(x * 16));
const ONE = 1n << 32n;
// I32F32 bits of a decimal, rounded to nearest like `I32F32::from_num(f64)` (test input only).
const fx = (x: number): number => Math.round(x * 2 ** 32);

test('substrate-fixed doc examples (FixedI16<U4>)', () => {
  // macros_frac.rs: checked_mul / checked_div / saturating_mul / saturating_div
  assert.equal(fxCheckedMul(FIX, FIX.max, fix(1)), FIX.max);
  assert.equal(fxCheckedMul(FIX, FIX.max, fix(2)), null);
  assert.equal(fxCheckedDiv(FIX, FIX.max, fix(1)), FIX.max);
  assert.equal(fxCheckedDiv(FIX, FIX.max, fix(1) / 2n), null);
  assert.equal(fxMul(FIX, fix(3), fix(2)), fix(6));
  assert.equal(fxMul(FIX, FIX.max, fix(2)), FIX.max);
  assert.equal(fxSaturatingDiv(FIX, fix(1), fix(2)), fix(0.5));
  assert.equal(fxSaturatingDiv(FIX, FIX.max, fix(0.5)), FIX.max);
  // macros_round.rs: round() ties away from zero
  assert.equal(fxRound(FIX, fix(2.5)), fix(3));
  assert.equal(fxRound(FIX, fix(-2.5)), fix(-3));
  // macros_from_to.rs: to_num floors (2.5 -> 2), saturating_from_num(3) == 3 << 4
  assert.equal(fxToUnsigned(FIX, fix(2.5), 32), 2n);
  assert.equal(fxFromInt(FIX, 3n), 3n << 4n);
  assert.equal(fxFromInt(FIX, 100000n), FIX.max);
});

test('multiplication floors (arithmetic shift), division truncates toward zero', () => {
  // -1 ulp · 0.5 = -2^-33: floor gives -1 ulp, not 0.
  assert.equal(fxMul(I32F32, -1n, ONE / 2n), -1n);
  assert.equal(fxMul(I32F32, 1n, ONE / 2n), 0n);
  // -1 / 3 in I32F32: trunc(-2^32 / 3) = -1431655765 (floor would be ...766)
  assert.equal(fxCheckedDiv(I32F32, -ONE, 3n * ONE), -1431655765n);
  assert.equal(fxCheckedDiv(I32F32, ONE, 3n * ONE), 1431655765n);
  // safe_div: 0 on a zero divisor and on overflow
  assert.equal(fxSafeDiv(I32F32, ONE, 0n), 0n);
  assert.equal(fxSafeDiv(I32F32, I32F32.max, 1n), 0n);
  // saturating_mul picks MIN when the signs differ
  assert.equal(fxMul(I32F32, I32F32.max, -2n * ONE), I32F32.min);
});

test('subtensor tests/math.rs test_math_fixed_overflow: alpha for bonds_moving_average 900000', () => {
  const bma = fxSafeDiv(I64F64, fxFromInt(I64F64, 900_000n), fxFromInt(I64F64, 1_000_000n));
  const alpha = ONE - fxConvert(I64F64, I32F32, bma);
  assert.equal(alpha, BigInt(fx(0.1))); // I32F32::from_num(0.1) = 429496730
  assert.equal(alpha, 429496730n);
});

test('subtensor tests/math.rs test_math_u64_normalization', () => {
  const max = fxFromInt(I64F64, 21_000_000_000_000_000n);
  const minFrac = fxSafeDiv(I64F64, fxFromInt(I64F64, 1n), max);
  assert.equal(fxConvert(I64F64, I32F32, minFrac), 0n);
  const min32Frac = fxSafeDiv(I64F64, fxFromInt(I64F64, 4_889_444n), max);
  assert.equal(fxConvert(I64F64, I32F32, min32Frac), BigInt(fx(0.0000000002))); // 1 ulp
  const half = fxSafeDiv(I64F64, fxFromInt(I64F64, 10_500_000_000_000_000n), max);
  assert.equal(half, 1n << 63n);
  assert.equal(fxConvert(I64F64, I32F32, half), ONE / 2n);
  assert.equal(fxConvert(I64F64, I32F32, fxSafeDiv(I64F64, max, max)), ONE);
});

test('subtensor tests/math.rs test_vec_max_upscale_to_u16', () => {
  const cases: Array<[number[], number[]]> = [
    [[], []],
    [[0], [0]],
    [
      [0, 0],
      [0, 0],
    ],
    [
      [0, 1],
      [0, 65535],
    ],
    [
      [0, 0.000000001],
      [0, 65535],
    ],
    [
      [0, 0.000016, 1],
      [0, 1, 65535],
    ],
    [
      [0.000000001, 0.000000001],
      [65535, 65535],
    ],
    [
      [0.000001, 0.000006, 0.000007, 0.0001, 0.001, 0.01, 0.1, 0.2, 0.3, 0.4],
      [0, 1, 1, 16, 164, 1638, 16384, 32768, 49151, 65535],
    ],
    [[16384], [65535]],
    [[32768], [65535]],
    [[32769], [65535]],
    [
      [0, 1, 65535],
      [0, 1, 65535],
    ],
    [
      [0, 0.5, 1, 1.5, 2, 32768],
      [0, 1, 2, 3, 4, 65535],
    ],
    [
      [0, 0.5, 1, 1.5, 2, 32768, 32769],
      [0, 1, 2, 3, 4, 65533, 65535],
    ],
  ];
  for (const [input, want] of cases) {
    assert.deepEqual(vecMaxUpscaleToU16(input.map(fx)), want, `input ${input}`);
  }
});

test('proportions: fixed_proportion_to_u16 floors and saturates; u16 -> proportion', () => {
  assert.equal(proportionToU16(0), 0);
  assert.equal(proportionToU16(Number(ONE)), 65535);
  assert.equal(proportionToU16(fx(65535)), 65535); // test_fixed_proportion_to_u16_saturates
  assert.equal(proportionToU16(Number(ONE) - 1), 65534); // floor(65535 · (1 − 2^-32))
  assert.equal(proportionToU16(fx(0.5)), 32767); // floor(32767.5)
  assert.equal(u16ToProportion(65535), Number(ONE));
  assert.equal(u16ToProportion(32767), 2147450879); // trunc(32767 · 2^32 / 65535)
  assert.equal(u16ToProportion(0), 0);
});

test('I96F32 emission product: floor(x_bits · rao / 2^32)', () => {
  const x = BigInt(fx(0.1)); // 429496730
  const rao = fxFromInt(I96F32, 1_000_000_000n);
  const prod = fxMul(I96F32, fxConvert(I32F32, I96F32, x), rao);
  assert.equal(fxToUnsigned(I96F32, prod, 64), 100_000_000n); // 0.1 + 0.4 ulp rounds up to 1e8 exactly
  assert.equal((x * 1_000_000_000n) >> 32n, 100_000_000n);
});

// Deterministic xorshift so failures reproduce.
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

test('mul32 equals the bigint saturating_mul bit for bit', () => {
  const r = rng(42);
  const pick = (): number => {
    const kind = r() % 6;
    const hi = r() % 4; // up to 2^34 in magnitude, plus a few large values
    const v =
      kind === 0
        ? r() % 3
        : kind === 5
          ? (r() % 2 ** 20) * 2 ** 30 + r()
          : hi * 2 ** 32 + r() + (r() % 2) * 2 ** 32;
    return r() % 4 === 0 ? -v : v;
  };
  for (let k = 0; k < 50000; k++) {
    const a = pick();
    const b = pick();
    const want = fxMul(I32F32, BigInt(a), BigInt(b));
    if (want > BigInt(Number.MAX_SAFE_INTEGER) || want < -BigInt(Number.MAX_SAFE_INTEGER)) continue;
    assert.equal(mul32(a, b), Number(want), `${a} * ${b}`);
  }
});

test('div32 equals the bigint safe_div bit for bit', () => {
  const r = rng(7);
  const sizes = [2 ** 16, 2 ** 32, 2 ** 33, 2 ** 40, 2 ** 44, 2 ** 47];
  for (let k = 0; k < 50000; k++) {
    const bScale = sizes[r() % sizes.length] as number;
    const b = Math.floor((r() / 2 ** 32) * bScale) + (k % 3 === 0 ? 0 : 1);
    const aScale = r() % 3 === 0 ? b * 4 : b;
    const a = Math.min(Math.floor((r() / 2 ** 32) * aScale), 2 ** 52);
    const want = fxSafeDiv(I32F32, BigInt(a), BigInt(b));
    if (want > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    assert.equal(div32(a, b), Number(want), `${a} / ${b}`);
  }
  assert.equal(div32(1, 0), 0);
  assert.equal(div32(2 ** 31, 1), 0); // overflows i64: safe_div gives 0
  assert.equal(div32(65535, 65535 * 3), 1431655765);
});
