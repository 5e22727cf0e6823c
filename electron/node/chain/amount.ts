/**
 * Amounts: `bigint` rao, 10^9 rao = 1 TAO, always within the u64 range. Parsing a person's
 * decimal TAO string is exact (no floating point); more than 9 decimals is refused, not rounded.
 */
import { chainError, ChainErrorCode } from './errors.ts';

export const RAO_PER_TAO = 1_000_000_000n;
export const U64_MAX = (1n << 64n) - 1n;

export function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= U64_MAX;
}

export function assertU64(value: unknown, field: string): bigint {
  if (!isU64(value)) {
    throw chainError(
      ChainErrorCode.AMOUNT_OUT_OF_RANGE,
      `${field} must be an integer in [0, 2^64)`,
      {
        field,
        value: typeof value === 'bigint' ? value.toString() : String(value),
      },
    );
  }
  return value;
}

const TAO_RE = /^(\d{1,11})(?:\.(\d{1,9}))?$/;

/** "1.5" → 1_500_000_000n. Throws BAD_AMOUNT for anything not an exact non-negative decimal. */
export function parseTao(text: string): bigint {
  const m = TAO_RE.exec(typeof text === 'string' ? text.trim() : '');
  if (m === null) {
    throw chainError(
      ChainErrorCode.BAD_AMOUNT,
      `"${String(text).slice(0, 40)}" is not a TAO amount (digits, at most 9 decimals)`,
      { text: String(text).slice(0, 40) },
    );
  }
  const whole = BigInt(m[1] as string);
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return assertU64(whole * RAO_PER_TAO + frac, 'amount');
}

/** 1_500_000_000n → "1.5"; always exact. */
export function formatTao(rao: bigint): string {
  const neg = rao < 0n;
  const abs = neg ? -rao : rao;
  const whole = abs / RAO_PER_TAO;
  const frac = (abs % RAO_PER_TAO).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? '.' + frac : ''}`;
}
