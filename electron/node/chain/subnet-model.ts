/**
 * A subnet's model: which GGUF file its miners must run (by sha256 and size) and the rules its
 * validators verify answers with (greedy decoding, token budget, context size, the margin tau and
 * the violations allowed). One table of bounds serves the chain's checks (create_subnet, the
 * subnet_model governance action), the genesis schema, the API and the CLI, so they cannot drift.
 *
 * Owns: the bounds, the defaults, the check. Must not touch: chain state, I/O.
 */
import { z } from 'zod';
import { isHex, ZERO_HASH, type Hex } from './crypto.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import type { SubnetModel } from './types.ts';

/** Catalogue id, or 'custom' for a file named only by its hash. */
export const MODEL_CATALOG_ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The task protocol versions this code speaks (a new one comes with new code, by upgrade). */
export const MODEL_PROTOCOL_VERSION = 1;

/** Decoding rules the chain accepts; only greedy answers can be verified exactly. */
export const MODEL_DECODINGS: readonly SubnetModel['decoding'][] = ['greedy'];

/** Inclusive bounds of each numeric rule. */
export const MODEL_RULE_BOUNDS = Object.freeze({
  protocolVersion: { min: 1, max: MODEL_PROTOCOL_VERSION },
  maxTokens: { min: 1, max: 1024 },
  contextSize: { min: 64, max: 32_768 },
  tauMilli: { min: 0, max: 10_000 },
  maxViolations: { min: 0, max: 64 },
});

export type ModelRules = Omit<SubnetModel, 'catalogId' | 'sha256' | 'sizeBytes'>;

/**
 * The verification rules a subnet gets when its creator or genesis names only the file, chosen
 * from bench/verification.ts (docs/proof-of-intelligence.md §Calibration): honest answers across
 * threads, batch sizes, an F16 copy and a second verifier never exceeded 0.0016 nats, so tau 0.025
 * (15x that) with no violation allowed, over 64 tokens, passes every honest answer and catches a
 * 1%-noise copy of the weights in 72 % of its answers (tau 0.1 with one violation caught 1-14 %).
 * 64 tokens in a 512-token context keep one verification pass short on a desktop CPU. GPU
 * backends must be measured (bench --gpu) before a public network; governance can raise tau.
 */
export const DEFAULT_MODEL_RULES: ModelRules = Object.freeze({
  protocolVersion: 1,
  decoding: 'greedy',
  maxTokens: 64,
  contextSize: 512,
  tauMilli: 25,
  maxViolations: 0,
});

/** A model from the file's identity and optional rules over the defaults. */
export function subnetModel(
  file: { catalogId: string; sha256: Hex; sizeBytes: number },
  rules: Partial<ModelRules> = {},
): SubnetModel {
  return { ...DEFAULT_MODEL_RULES, ...rules, ...file };
}

const rule = (name: keyof typeof MODEL_RULE_BOUNDS) =>
  z.number().int().min(MODEL_RULE_BOUNDS[name].min).max(MODEL_RULE_BOUNDS[name].max);

/**
 * A model as people and files give it (genesis, API): the file's sha256 and size are required,
 * catalogId defaults to "custom", each rule left out takes DEFAULT_MODEL_RULES.
 */
export const SubnetModelInputSchema = z
  .object({
    catalogId: z
      .string()
      .regex(MODEL_CATALOG_ID_RE, '1–64 of [a-z0-9._-], or "custom"')
      .default('custom'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '32 bytes of lower-case hex'),
    sizeBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    protocolVersion: rule('protocolVersion').optional(),
    decoding: z.enum(['greedy']).optional(),
    maxTokens: rule('maxTokens').optional(),
    contextSize: rule('contextSize').optional(),
    tauMilli: rule('tauMilli').optional(),
    maxViolations: rule('maxViolations').optional(),
  })
  .strict();

export type SubnetModelInput = z.input<typeof SubnetModelInputSchema>;

/** The full model from its input form, the rules not given taken from the defaults. */
export function modelFromInput(m: SubnetModelInput): SubnetModel {
  const { catalogId, sha256, sizeBytes, ...rules } = m;
  const given = Object.fromEntries(Object.entries(rules).filter(([, v]) => v !== undefined));
  return subnetModel({ catalogId: catalogId ?? 'custom', sha256, sizeBytes }, given);
}

/** Throws the ChainError that names the first thing wrong with `m`. */
export function checkSubnetModel(m: SubnetModel): void {
  if (typeof m.catalogId !== 'string' || !MODEL_CATALOG_ID_RE.test(m.catalogId)) {
    throw chainError(
      ChainErrorCode.MODEL_BAD_ID,
      'the model id must be 1–64 of [a-z0-9._-], starting with a letter or digit',
      { catalogId: String(m.catalogId).slice(0, 70) },
    );
  }
  if (!isHex(m.sha256, 32) || m.sha256 === ZERO_HASH) {
    throw chainError(ChainErrorCode.MODEL_BAD_HASH, 'the model sha256 must be 32 bytes of hex', {
      sha256: String(m.sha256).slice(0, 70),
    });
  }
  if (!Number.isSafeInteger(m.sizeBytes) || m.sizeBytes <= 0) {
    throw chainError(
      ChainErrorCode.MODEL_BAD_SIZE,
      'the model size must be a whole number of bytes above 0',
      { sizeBytes: m.sizeBytes },
    );
  }
  if (!MODEL_DECODINGS.includes(m.decoding)) {
    throw chainError(ChainErrorCode.MODEL_RULE_OUT_OF_RANGE, 'decoding must be greedy', {
      field: 'decoding',
      value: String(m.decoding).slice(0, 16),
      allowed: [...MODEL_DECODINGS],
    });
  }
  for (const [field, { min, max }] of Object.entries(MODEL_RULE_BOUNDS)) {
    const value = m[field as keyof typeof MODEL_RULE_BOUNDS];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw chainError(
        ChainErrorCode.MODEL_RULE_OUT_OF_RANGE,
        `${field} must be from ${min} to ${max}`,
        { field, value, min, max },
      );
    }
  }
}

/** tau in nats, for people and for the verifier (tauMilli / 1000). */
export function tauNats(m: Pick<SubnetModel, 'tauMilli'>): number {
  return m.tauMilli / 1000;
}
