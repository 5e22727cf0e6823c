/**
 * Earnings display helpers. Amounts arrive as rao decimal strings and are formatted exactly
 * (bigint); only chart coordinates become numbers (TAO as a float, for drawing alone).
 */
import { locale } from '../i18n/index.svelte.ts';

const RAO = 1_000_000_000n;

/** "1234500000" → "1.2345" (exact, locale decimal separator, at most `digits` decimals). */
export function tao(rao: string | bigint, digits = 4): string {
  const v = typeof rao === 'bigint' ? rao : BigInt(rao);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const scale = 10n ** BigInt(9 - digits);
  const rounded = (abs + scale / 2n) / scale;
  const whole = rounded / 10n ** BigInt(digits);
  const frac = (rounded % 10n ** BigInt(digits))
    .toString()
    .padStart(digits, '0')
    .replace(/0+$/, '');
  const sep = locale.current === 'fr' ? ',' : '.';
  const group = new Intl.NumberFormat(locale.current).format(whole);
  return `${neg ? '-' : ''}${group}${frac ? sep + frac : ''}`;
}

/** Exact TAO with all 9 decimals trimmed, dot separator (CSV, machine-readable). */
export function taoExact(rao: string): string {
  const v = BigInt(rao);
  const frac = (v % RAO).toString().padStart(9, '0').replace(/0+$/, '');
  return `${v / RAO}${frac ? '.' + frac : ''}`;
}

/** For drawing only. */
export function taoNumber(rao: string): number {
  return Number(BigInt(rao)) / 1e9;
}

export function percent(ratio: number, digits = 1): string {
  return new Intl.NumberFormat(locale.current, {
    style: 'percent',
    maximumFractionDigits: digits,
  }).format(ratio);
}

export function ratio(value: number | null): string {
  return value === null
    ? '–'
    : new Intl.NumberFormat(locale.current, { maximumFractionDigits: 4 }).format(value);
}

export function shortKey(address: string): string {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
