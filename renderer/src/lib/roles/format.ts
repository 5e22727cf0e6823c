/**
 * Figures of the roles in the current locale. Scores and ratios are floats by nature (0..1);
 * amounts are not here: they go through the exact TAO formatter of lib/chain.
 */
import { locale } from '../i18n/index.svelte.ts';

function number(value: number, digits: number): string {
  return new Intl.NumberFormat(locale.current, { maximumFractionDigits: digits }).format(value);
}

/** Whole counts with the locale's grouping: 12 345. */
export function count(value: number): string {
  return number(value, 0);
}

/** Tokens per second with one decimal (two below 10, where a decimal matters). */
export function speed(value: number): string {
  return number(value, value < 10 ? 2 : 1);
}

/** A 0..1 figure (rank, trust, score) with up to four decimals. */
export function fraction(value: number): string {
  return number(value, 4);
}

/** A 0..1 share as a percentage: 0.975 → "97.5 %". */
export function share(value: number): string {
  return new Intl.NumberFormat(locale.current, {
    style: 'percent',
    maximumFractionDigits: 1,
  }).format(value);
}

/** "5Grw…utQY": enough of an SS58 address to tell keys apart; the full one goes in a title. */
export function shortAddress(address: string): string {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
