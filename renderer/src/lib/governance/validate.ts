/**
 * The wizard's checks, as typed: the same bounds the chain enforces (`gov.params` hands the
 * table over), on exact integers (BigInt), with the chain's one cross rule (minBurn ≤ maxBurn of
 * the same subnet). The node checks again; this only says early what it would refuse.
 */
import type { GovParam } from './gov-store.svelte.ts';

export type ValueCheck =
  | { ok: true; value: string }
  | { ok: false; reason: 'empty' | 'format' | 'below' | 'above'; min: string; max: string };

/** The current value of `name` for `netuid` (null: chain value or subnet defaults). */
export function currentOf(
  params: readonly GovParam[],
  name: string,
  netuid: number | null,
): string | null {
  const spec = params.find((p) => p.name === name);
  if (!spec) return null;
  if (netuid === null || spec.scope === 'chain') return spec.current;
  return spec.subnets.find((s) => s.netuid === netuid)?.value ?? null;
}

export function checkValue(
  params: readonly GovParam[],
  spec: GovParam,
  netuid: number | null,
  text: string,
): ValueCheck {
  let min = BigInt(spec.min);
  let max = BigInt(spec.max);
  if (spec.name === 'minBurn') {
    const other = currentOf(params, 'maxBurn', netuid);
    if (other !== null && BigInt(other) < max) max = BigInt(other);
  } else if (spec.name === 'maxBurn') {
    const other = currentOf(params, 'minBurn', netuid);
    if (other !== null && BigInt(other) > min) min = BigInt(other);
  }
  const bounds = { min: min.toString(), max: max.toString() };
  const value = text.trim().replace(/[\s_\u202f,]/g, '');
  if (value === '') return { ok: false, reason: 'empty', ...bounds };
  if (!/^\d{1,20}$/.test(value)) return { ok: false, reason: 'format', ...bounds };
  const n = BigInt(value);
  if (n < min) return { ok: false, reason: 'below', ...bounds };
  if (n > max) return { ok: false, reason: 'above', ...bounds };
  return { ok: true, value: n.toString() };
}

/** Whole blocks → an estimated duration in ms. */
export function blocksToMs(blocks: number, blockIntervalMs: number): number {
  return blocks * blockIntervalMs;
}
