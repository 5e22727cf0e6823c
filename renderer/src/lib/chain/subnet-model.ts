/**
 * A subnet's model and its verification rules in plain words, for the proposal cards and the
 * explorer: which file miners run (catalogue id or "a custom file", size, short hash) and how a
 * validator checks an answer (greedy, token budget, tau in nats, misses allowed).
 */
import { t } from '../i18n/index.svelte.ts';
import { formatBytes } from '../models/format.ts';
import type { MethodResult } from '../api/index.ts';

export type SubnetModel = NonNullable<MethodResult<'chain.subnet'>['model']>;

export function modelWords(m: SubnetModel): string {
  return t('subnetModel.words', {
    model: m.catalogId === 'custom' ? t('subnetModel.custom') : m.catalogId,
    size: formatBytes(m.sizeBytes),
    hash: `${m.sha256.slice(0, 12)}…`,
    tokens: m.maxTokens,
    context: m.contextSize,
    tau: m.tauMilli / 1000,
    misses: m.maxViolations,
  });
}

/** Reads a model out of a transaction body as the API returns it (unknown shape). */
export function modelOf(value: unknown): SubnetModel | null {
  if (value === null || typeof value !== 'object') return null;
  const m = value as Partial<SubnetModel>;
  return typeof m.sha256 === 'string' && typeof m.sizeBytes === 'number'
    ? (m as SubnetModel)
    : null;
}
