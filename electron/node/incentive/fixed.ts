// Fixed-point arithmetic exactly as subtensor's epoch uses it (encointer/substrate-fixed v0.6.0).
//
// Owns: the integer semantics of I32F32, I64F64 and I96F32 (saturating multiply that floors,
// checked/safe division that truncates toward zero and yields 0 on a zero divisor *or* on
// overflow, floor on every narrowing conversion, round-half-away-from-zero) and the helpers
// subtensor's `epoch/math.rs` builds on them. Must not touch: anything outside this folder, any
// clock or I/O, and floating point in a result (the only floats here are exact small integers).
//
// Two implementations of the same I32F32 semantics live here:
//  - the reference, on `bigint` bits (`Fx`, `fxMul`, `fxCheckedDiv`, ...), usable for every input;
//  - the hot-loop kernels on `number` (`mul32`, `div32`, ...). A `number` here always holds the
//    exact integer bit pattern of an I32F32 (value · 2^32). The kernels split their operands so
//    that every intermediate product stays below 2^53 and is therefore exact in IEEE-754 double;
//    anything outside that proven range is handed to the bigint reference. The kernels are
//    tested bit for bit against the reference (test/unit/incentive/fixed.test.ts).

/** A signed binary fixed-point format: `total` bits of which `frac` are fractional. */
export interface FixedFormat {
  readonly name: string;
  readonly total: number;
  readonly frac: number;
  readonly min: bigint;
  readonly max: bigint;
  readonly fracBig: bigint;
}

/** Describes a signed fixed-point format (substrate-fixed `FixedI<total><U<frac>>`). */
export function fixedFormat(name: string, total: number, frac: number): FixedFormat {
  return {
    name,
    total,
    frac,
    min: -(1n << BigInt(total - 1)),
    max: (1n << BigInt(total - 1)) - 1n,
    fracBig: BigInt(frac),
  };
}

/** i64 with 32 fractional bits: nearly all of the epoch. */
export const I32F32: FixedFormat = fixedFormat('I32F32', 64, 32);
/** i128 with 64 fractional bits: stake normalization and the bonds moving average. */
export const I64F64: FixedFormat = fixedFormat('I64F64', 128, 64);
/** i128 with 32 fractional bits: the rao emission product. */
export const I96F32: FixedFormat = fixedFormat('I96F32', 128, 32);

export const U16_MAX = 65535;
export const ONE32 = 4294967296; // 2^32, the bits of I32F32 1.0
const TWO16 = 65536;
const TWO32 = 4294967296;
const TWO36 = 68719476736;
const TWO44 = 17592186044416;
const TWO52 = 4503599627370496;
const TWO34 = 17179869184;

function clamp(f: FixedFormat, bits: bigint): bigint {
  return bits < f.min ? f.min : bits > f.max ? f.max : bits;
}

function fits(f: FixedFormat, bits: bigint): boolean {
  return bits >= f.min && bits <= f.max;
}

/** `Fixed::saturating_from_num(integer)`. */
export function fxFromInt(f: FixedFormat, x: bigint): bigint {
  return clamp(f, x << f.fracBig);
}

/** `a.saturating_add(b)`. */
export function fxAdd(f: FixedFormat, a: bigint, b: bigint): bigint {
  return clamp(f, a + b);
}

/** `a.saturating_sub(b)`. */
export function fxSub(f: FixedFormat, a: bigint, b: bigint): bigint {
  return clamp(f, a - b);
}

/**
 * `a.saturating_mul(b)`: the exact product shifted right by `frac` bits with an arithmetic shift
 * (so it floors, also for negative products); on overflow MIN if the signs differ, else MAX.
 */
export function fxMul(f: FixedFormat, a: bigint, b: bigint): bigint {
  return clamp(f, (a * b) >> f.fracBig);
}

/** `a.checked_mul(b)`: like `fxMul` but `null` instead of saturating. */
export function fxCheckedMul(f: FixedFormat, a: bigint, b: bigint): bigint | null {
  const r = (a * b) >> f.fracBig;
  return fits(f, r) ? r : null;
}

/**
 * `a.checked_div(b)`: `(a << frac) / b` with Rust integer division (truncates toward zero);
 * `null` if `b` is zero or the quotient does not fit.
 */
export function fxCheckedDiv(f: FixedFormat, a: bigint, b: bigint): bigint | null {
  if (b === 0n) return null;
  const q = (a << f.fracBig) / b;
  return fits(f, q) ? q : null;
}

/** subtensor's `safe_div`: `checked_div(..).unwrap_or_default()`, i.e. 0 on zero or overflow. */
export function fxSafeDiv(f: FixedFormat, a: bigint, b: bigint): bigint {
  return fxCheckedDiv(f, a, b) ?? 0n;
}

/** `a.saturating_div(b)`; throws on a zero divisor (substrate-fixed panics). */
export function fxSaturatingDiv(f: FixedFormat, a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError('fixed-point division by zero');
  return clamp(f, (a << f.fracBig) / b);
}

/** `Dst::saturating_from_num(src)` between fixed formats: extra fraction bits are floored. */
export function fxConvert(from: FixedFormat, to: FixedFormat, bits: bigint): bigint {
  const shift = to.frac - from.frac;
  const moved = shift >= 0 ? bits << BigInt(shift) : bits >> BigInt(-shift);
  return clamp(to, moved);
}

/** `x.saturating_to_num::<uN>()`: floor, then clamp to `[0, 2^width - 1]`. */
export function fxToUnsigned(f: FixedFormat, bits: bigint, width: number): bigint {
  const v = bits >> f.fracBig;
  if (v < 0n) return 0n;
  const max = (1n << BigInt(width)) - 1n;
  return v > max ? max : v;
}

/** `x.round()`: nearest integer, ties away from zero (result saturated to the format). */
export function fxRound(f: FixedFormat, bits: bigint): bigint {
  const half = 1n << (f.fracBig - 1n);
  const r =
    bits >= 0n
      ? ((bits + half) >> f.fracBig) << f.fracBig
      : -(((-bits + half) >> f.fracBig) << f.fracBig);
  return clamp(f, r);
}

// ---------------------------------------------------------------------------------------------
// Exact `number` kernels for I32F32 bits. Every function returns exactly what the bigint
// reference returns; the fast paths are only taken where the operands are small enough that
// each intermediate is an integer below 2^53.

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

function toExactNumber(bits: bigint): number {
  if (bits > SAFE_MAX || bits < -SAFE_MAX) {
    throw new RangeError(
      `fixed-point value ${bits} is outside the exact range of the epoch kernels`,
    );
  }
  return Number(bits);
}

/** floor(a·b / 2^32) for 0 <= a, b < 2^34 (so a·bh < 2^52 and everything below is exact). */
function mulMag(a: number, b: number): number {
  const bh = Math.floor(b / TWO16);
  const bl = b - bh * TWO16;
  const p = a * bh; // < 2^52
  const ph = Math.floor(p / TWO16);
  const pl = p - ph * TWO16;
  // a·b = ph·2^32 + pl·2^16 + a·bl
  return ph + Math.floor((pl * TWO16 + a * bl) / TWO32);
}

/** True if floor(a·b / 2^32) is not exact (some low bits were dropped), for 0 <= a, b < 2^34. */
function mulHasRemainder(a: number, b: number): boolean {
  const bh = Math.floor(b / TWO16);
  const bl = b - bh * TWO16;
  const p = a * bh;
  const ph = Math.floor(p / TWO16);
  const pl = p - ph * TWO16;
  const t = pl * TWO16 + a * bl;
  return t - Math.floor(t / TWO32) * TWO32 !== 0;
}

/** I32F32 `saturating_mul` on exact bit patterns held in numbers. */
export function mul32(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  const neg = a < 0 !== b < 0;
  const ma = a < 0 ? -a : a;
  const mb = b < 0 ? -b : b;
  if (ma >= TWO34 || mb >= TWO34) {
    return toExactNumber(fxMul(I32F32, BigInt(a), BigInt(b)));
  }
  const m = mulMag(ma, mb);
  if (!neg) return m;
  // floor of a negative product is minus the ceiling of the magnitude.
  return mulHasRemainder(ma, mb) ? -m - 1 : -m;
}

/** floor(n / d) for non-negative integers with n < 2^53 and d < 2^53, exact. */
function floorDiv(n: number, d: number): number {
  let q = Math.floor(n / d);
  let r = n - q * d;
  while (r < 0) {
    q -= 1;
    r += d;
  }
  while (r >= d) {
    q += 1;
    r -= d;
  }
  return q;
}

/**
 * subtensor's I32F32 `safe_div`: trunc(a · 2^32 / b), 0 if b == 0 or the quotient overflows i64.
 * Because the scale cancels, it is also the exact I32F32 quotient of two plain integers
 * (e.g. `safe_div(fx(w), fx(sum))` for raw u16 weights is `div32(w, sum)`).
 */
export function div32(a: number, b: number): number {
  if (b === 0) return 0;
  if (a === 0) return 0;
  if (a < 0 || b < 0 || a >= TWO52 || b >= TWO44) {
    const q = fxCheckedDiv(I32F32, BigInt(a), BigInt(b));
    return q === null ? 0 : toExactNumber(q);
  }
  // Integer part, then 32 fractional bits by long division in chunks small enough that
  // remainder · 2^chunk stays below 2^52.
  let q = Math.floor(a / b);
  let r = a - q * b;
  while (r < 0) {
    q -= 1;
    r += b;
  }
  while (r >= b) {
    q += 1;
    r -= b;
  }
  if (q >= 2097152) {
    // q · 2^32 would pass 2^53: defer to the reference (which also applies the overflow rule).
    const big = fxCheckedDiv(I32F32, BigInt(a), BigInt(b));
    return big === null ? 0 : toExactNumber(big);
  }
  let frac: number;
  if (b < TWO36) {
    const d1 = floorDiv(r * TWO16, b);
    const r1 = r * TWO16 - d1 * b;
    const d2 = floorDiv(r1 * TWO16, b);
    frac = d1 * TWO16 + d2;
  } else {
    frac = 0;
    for (let k = 0; k < 4; k++) {
      const d = floorDiv(r * 256, b);
      r = r * 256 - d * b;
      frac = frac * 256 + d;
    }
  }
  return q * TWO32 + frac;
}

/** subtensor's `fixed_proportion_to_u16(x)` = floor(x · 65535) clamped to u16. */
export function proportionToU16(x: number): number {
  if (x <= 0) return 0;
  if (x >= TWO34) return U16_MAX;
  // x · 65535 < 2^50: exact.
  const v = Math.floor((x * U16_MAX) / TWO32);
  return v > U16_MAX ? U16_MAX : v;
}

/** subtensor's `fixed_to_fixed_u16_proportion(fx(u))` = u / 65535 as I32F32 bits. */
export function u16ToProportion(u: number): number {
  return div32(u, U16_MAX);
}

/**
 * subtensor's `vec_max_upscale_to_u16` for non-negative I32F32 vectors (the pruning score path):
 * with max > 32768 it multiplies by `65535 / max`, otherwise it computes `(v · 65535) / max`;
 * both round half away from zero and then floor into u16.
 */
export function vecMaxUpscaleToU16(v: ArrayLike<number>): number[] {
  const n = v.length;
  const out = new Array<number>(n);
  if (n === 0) return out;
  let max = v[0] as number;
  for (let i = 1; i < n; i++) if ((v[i] as number) > max) max = v[i] as number;
  const u16Max = BigInt(U16_MAX) << 32n;
  const maxBig = BigInt(max);
  for (let i = 0; i < n; i++) {
    const e = BigInt(v[i] as number);
    let r: bigint;
    if (max === 0) {
      r = fxMul(I32F32, e, u16Max);
    } else if (maxBig > 32768n << 32n) {
      r = fxRound(I32F32, fxMul(I32F32, e, fxSafeDiv(I32F32, u16Max, maxBig)));
    } else {
      r = fxRound(I32F32, fxSafeDiv(I32F32, fxMul(I32F32, e, u16Max), maxBig));
    }
    out[i] = Number(fxToUnsigned(I32F32, r, 16));
  }
  return out;
}

/** Convert I32F32 bits to a JS number for display only (never fed back into the epoch). */
export function toFloat(bits: number): number {
  return bits / TWO32;
}
