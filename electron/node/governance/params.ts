/**
 * The parameters governance may change, each with its bounds, in one table: the chain checks a
 * proposal against it, the API hands it to the proposal wizard, the docs list it. A name is the
 * field's name in `ChainParams` (scope `chain`) or `SubnetParams` (scope `subnet`: one subnet
 * when the proposal names a netuid, the defaults for new subnets when it does not).
 *
 * Owns: the table and the pure bound checks. Must not touch: chain state, I/O.
 * Every value is an unsigned integer (rao for amounts), so a proposal carries one u64.
 */

export type GovParamScope = 'chain' | 'subnet';
export type GovParamUnit = 'blocks' | 'u16' | 'rao' | 'count' | 'bps' | 'per-million';

export interface GovParamSpec {
  readonly name: string;
  readonly scope: GovParamScope;
  readonly unit: GovParamUnit;
  readonly min: bigint;
  readonly max: bigint;
  /** One line for people (English; the UI has its own catalogue entry per name). */
  readonly summary: string;
}

const TAO = 1_000_000_000n;

/** The table. Order is the wizard's order. */
export const GOV_PARAMS: readonly GovParamSpec[] = Object.freeze([
  // -- subnet hyperparameters --
  {
    name: 'tempo',
    scope: 'subnet',
    unit: 'blocks',
    min: 10n,
    max: 50_400n,
    summary: 'blocks between epochs',
  },
  {
    name: 'kappa',
    scope: 'subnet',
    unit: 'u16',
    min: 0n,
    max: 65_535n,
    summary: 'consensus majority, of 65535',
  },
  {
    name: 'maxValidators',
    scope: 'subnet',
    unit: 'count',
    min: 1n,
    max: 4_096n,
    summary: 'validator permits per subnet',
  },
  {
    name: 'minAllowedWeights',
    scope: 'subnet',
    unit: 'count',
    min: 0n,
    max: 4_096n,
    summary: 'fewest weights a validator sets',
  },
  {
    name: 'weightsRateLimit',
    scope: 'subnet',
    unit: 'blocks',
    min: 0n,
    max: 100_800n,
    summary: 'blocks between two set_weights',
  },
  {
    name: 'immunityPeriod',
    scope: 'subnet',
    unit: 'blocks',
    min: 0n,
    max: 1_000_000n,
    summary: 'blocks a new neuron cannot be pruned',
  },
  {
    name: 'activityCutoff',
    scope: 'subnet',
    unit: 'blocks',
    min: 1n,
    max: 1_000_000n,
    summary: 'blocks without weights before a validator counts as inactive',
  },
  {
    name: 'bondsMovingAverage',
    scope: 'subnet',
    unit: 'per-million',
    min: 0n,
    max: 1_000_000n,
    summary: 'bonds moving average, per million',
  },
  {
    name: 'minBurn',
    scope: 'subnet',
    unit: 'rao',
    min: 0n,
    max: 1_000_000n * TAO,
    summary: 'lowest registration burn',
  },
  {
    name: 'maxBurn',
    scope: 'subnet',
    unit: 'rao',
    min: 1n,
    max: 1_000_000n * TAO,
    summary: 'highest registration burn',
  },
  {
    name: 'burnHalfLife',
    scope: 'subnet',
    unit: 'blocks',
    min: 1n,
    max: 1_000_000n,
    summary: 'blocks for an unused burn to halve',
  },
  {
    name: 'maxRegistrationsPerBlock',
    scope: 'subnet',
    unit: 'count',
    min: 1n,
    max: 1_000n,
    summary: 'registrations per subnet per block',
  },
  // -- chain parameters --
  {
    name: 'subnetOwnerCut',
    scope: 'chain',
    unit: 'u16',
    min: 0n,
    max: 32_767n,
    summary: "emission split: the subnet owner's share, of 65535",
  },
  {
    name: 'minStake',
    scope: 'chain',
    unit: 'rao',
    min: 1n,
    max: 1_000n * TAO,
    summary: 'smallest stake on a hotkey',
  },
  {
    name: 'minFee',
    scope: 'chain',
    unit: 'rao',
    min: 0n,
    max: TAO,
    summary: 'smallest fee of a coldkey transaction',
  },
  {
    name: 'minTransfer',
    scope: 'chain',
    unit: 'rao',
    min: 1n,
    max: TAO,
    summary: 'smallest transfer',
  },
  {
    name: 'servingRateLimit',
    scope: 'chain',
    unit: 'blocks',
    min: 0n,
    max: 100_800n,
    summary: 'blocks between two serve',
  },
  {
    name: 'maxSubnets',
    scope: 'chain',
    unit: 'count',
    min: 1n,
    max: 1_024n,
    summary: 'most subnets',
  },
  {
    name: 'votingPeriod',
    scope: 'chain',
    unit: 'blocks',
    min: 10n,
    max: 1_000_000n,
    summary: 'blocks a proposal is open for votes',
  },
  {
    name: 'quorum',
    scope: 'chain',
    unit: 'bps',
    min: 1n,
    max: 10_000n,
    summary: 'share of all staked TAO that must take part, in basis points',
  },
  {
    name: 'enactmentDelay',
    scope: 'chain',
    unit: 'blocks',
    min: 0n,
    max: 1_000_000n,
    summary: 'blocks between a passed change and its effect',
  },
  {
    name: 'proposalDeposit',
    scope: 'chain',
    unit: 'rao',
    min: 0n,
    max: 100_000n * TAO,
    summary: 'deposit to propose: refunded at quorum, burned otherwise',
  },
  {
    name: 'slashFraction',
    scope: 'chain',
    unit: 'bps',
    min: 0n,
    max: 10_000n,
    summary: "share of a double-signing validator's stake burned, in basis points",
  },
  {
    name: 'evidenceMaxAge',
    scope: 'chain',
    unit: 'blocks',
    min: 100n,
    max: 1_000_000n,
    summary: 'blocks after which evidence of double signing is too old to punish',
  },
] satisfies GovParamSpec[]);

const BY_NAME = new Map(GOV_PARAMS.map((p) => [p.name, p]));

export function govParam(name: string): GovParamSpec | undefined {
  return BY_NAME.get(name);
}

export type ParamCheck =
  | { ok: true; spec: GovParamSpec }
  | {
      ok: false;
      reason: 'unknown' | 'scope' | 'bounds';
      spec?: GovParamSpec;
      min?: bigint;
      max?: bigint;
    };

/**
 * Is `value` acceptable for `name` (with or without a netuid)? `current` gives the other values
 * a cross-rule needs (minBurn ≤ maxBurn of the same subnet): the bound becomes the tighter one.
 */
export function checkParamValue(
  name: string,
  hasNetuid: boolean,
  value: bigint,
  current: (name: string) => bigint | undefined = () => undefined,
): ParamCheck {
  const spec = BY_NAME.get(name);
  if (spec === undefined) return { ok: false, reason: 'unknown' };
  if (hasNetuid && spec.scope === 'chain') return { ok: false, reason: 'scope', spec };
  let { min, max } = spec;
  if (name === 'minBurn') {
    const other = current('maxBurn');
    if (other !== undefined && other < max) max = other;
  } else if (name === 'maxBurn') {
    const other = current('minBurn');
    if (other !== undefined && other > min) min = other;
  }
  if (value < min || value > max) return { ok: false, reason: 'bounds', spec, min, max };
  return { ok: true, spec };
}
