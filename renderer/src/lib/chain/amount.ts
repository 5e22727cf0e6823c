/**
 * TAO amounts in the UI: the node gives rao (10^9 rao = 1 TAO) as decimal strings and takes TAO
 * as decimal strings. Everything here is string and BigInt arithmetic: no floating point ever
 * touches an amount, so what is shown and what is sent are exactly what the chain holds.
 */
export const RAO_PER_TAO = 1_000_000_000n;
/** The chain's minimum fee for coldkey-signed transactions (docs/chain.md: 0.0001 TAO). */
export const DEFAULT_FEE_RAO = '100000';
/** The largest amount the node accepts: 11 digits of whole TAO. */
const MAX_WHOLE_DIGITS = 11;

export interface TaoStyle {
  /** Between groups of three whole digits ("," in English); "" for none. */
  group: string;
  /** Before the fraction ("." in English, "," in French). */
  decimal: string;
}

const PLAIN: TaoStyle = { group: '', decimal: '.' };

/**
 * Rao (decimal string or bigint) → TAO as an exact decimal string: "1500000000" → "1.5",
 * "1000000000000" → "1,000" with `{ group: ',', decimal: '.' }`. Every digit is kept.
 */
export function formatTao(rao: string | bigint, style: TaoStyle = PLAIN): string {
  let value: bigint;
  try {
    value = typeof rao === 'bigint' ? rao : BigInt(rao);
  } catch {
    return String(rao);
  }
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const digits = (abs / RAO_PER_TAO).toString();
  const whole = style.group ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, style.group) : digits;
  const fraction = (abs % RAO_PER_TAO).toString().padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `${style.decimal}${fraction}` : ''}`;
}

export type ParsedTao =
  | { ok: true; rao: bigint; tao: string }
  | { ok: false; reason: 'empty' | 'format' | 'decimals' | 'zero' | 'tooLarge' };

/**
 * A person's typed TAO amount → exact rao. Accepts "1.5", "1,5", " 0.000000001 ", "1 000";
 * refuses more than 9 decimals (never rounds), signs, exponents and zero. `tao` is the
 * normalised string the node accepts ("1.5").
 */
export function parseTaoInput(text: string): ParsedTao {
  const compact = text
    .trim()
    .replace(/[\s\u00a0\u202f_]/g, '')
    .replace(',', '.');
  if (compact === '') return { ok: false, reason: 'empty' };
  const match = /^(\d*)(?:\.(\d*))?$/.exec(compact);
  if (match === null || (match[1] === '' && (match[2] ?? '') === '')) {
    return { ok: false, reason: 'format' };
  }
  const wholeDigits = (match[1] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const fractionDigits = (match[2] ?? '').replace(/0+$/, '');
  if (fractionDigits.length > 9) return { ok: false, reason: 'decimals' };
  if (wholeDigits.length > MAX_WHOLE_DIGITS) return { ok: false, reason: 'tooLarge' };
  const rao = BigInt(wholeDigits) * RAO_PER_TAO + BigInt(fractionDigits.padEnd(9, '0'));
  if (rao === 0n) return { ok: false, reason: 'zero' };
  return { ok: true, rao, tao: fractionDigits ? `${wholeDigits}.${fractionDigits}` : wholeDigits };
}

/** Shape only (the node checks the checksum): an SS58 address of prefix 42, or 64 hex digits. */
export function looksLikeAddress(text: string): boolean {
  const value = text.trim();
  return /^5[1-9A-HJ-NP-Za-km-z]{46,47}$/.test(value) || /^[0-9a-fA-F]{64}$/.test(value);
}

export function isHash(text: string): boolean {
  return /^[0-9a-fA-F]{64}$/.test(text.trim());
}

/** "5Grw…utQY" / "a1b2c3d4…e5f6": enough to tell apart, with the full value in a title/label. */
export function shortId(value: string, head = 6, tail = 4): string {
  return value.length <= head + tail + 1 ? value : `${value.slice(0, head)}…${value.slice(-tail)}`;
}
