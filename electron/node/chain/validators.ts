/**
 * Validators on chain: voting power, the consensus validator sets the chain keeps, and slashing
 * for double signing.
 *
 * Voting power is the total stake on a validator's hotkey (1 each when every validator has
 * none). The state keeps the set of its own height (`validatorSets.last`, whose +2/3 signed the
 * last block: it checks the next block's lastCommit) and of the next height (`next`: the next
 * block's proposer must be in it). At the end of every block they advance by the two-heights rule
 * of consensus/validator-set.ts: the set of h is the set of h−1 after one proposer run, with the
 * membership after block h−2 (the state before the block that ends). So a change decided in
 * block H (a stake, a slash) takes effect at height H+2, and every node, restarted or synced,
 * reads the same sets, priorities included, from its state.
 *
 * Evidence (block.ts Evidence: two signed votes of one validator, one type, one height and round,
 * different block ids) is valid in block H on pre-state S when (checkEvidence):
 *   - the votes are well formed, truly conflicting, and in canonical order (a.blockHash <
 *     b.blockHash: one encoding per pair);
 *   - offence height ≤ H and H − offence height ≤ params.evidenceMaxAge;
 *   - its id (consensus/evidence.ts evidenceKey: validator, height, round, vote type) is not in
 *     S.slashes: the same double signing is never punished twice, whichever pair proves it;
 *   - the signer is on S's validator list. Membership is the list, not the set of the offence
 *     height (the chain keeps two heights of sets): a registered consensus key that signs two
 *     conflicting votes is punished whatever its power was at the time;
 *   - both signatures verify over the chain id (skipped when replaying this node's own log).
 * Applying it (applyEvidence), before the block's transactions:
 *   - burns floor(totalStake × slashFraction / 10 000) rao of the hotkey's stake, taken from each
 *     staker in proportion by largest remainder: every staker first loses floor(stake × amount /
 *     total), then the few rao left go one each to the stakers with the largest fractional
 *     parts (ties to the lower coldkey). The total is exact and nobody loses more than their
 *     share rounded up. totalIssuance falls by the amount; like fees and registration burns it
 *     counts in totalRecycled, so the supply cap can issue it again;
 *   - removes the validator from the validator list for good (tombstoned: there is no way back;
 *     its stakers keep the rest and may unstake), unless it is the last validator, which keeps
 *     the chain alive and is only slashed. Being off the list it is out of the set of H+2;
 *   - records a SlashRecord in `slashes` and emits a `slash` event (indexed for the Explorer).
 *
 * Must not touch: I/O, the network. Pure functions over state and drafts.
 */
import type { Evidence } from './block.ts';
import { evidenceKey } from '../consensus/evidence.ts';
import { isWellFormed, verifyMessage } from '../consensus/messages.ts';
import {
  createValidatorSet,
  nextValidatorSet,
  type ValidatorMember,
  type ValidatorSet,
} from '../consensus/validator-set.ts';
import type { Hex } from './crypto.ts';
import type { StateDraft } from './draft.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import type { ChainParams, ChainState, SlashRecord, Validator, ValidatorSets } from './types.ts';

export const BPS = 10_000;

/** Voting power of each validator key: its hotkey's total stake, or 1 each if all are 0. */
export function powerOfValidators(
  validators: ReadonlyArray<Validator>,
  stakeOf: (hotkey: Hex) => bigint,
): Map<Hex, bigint> {
  const power = new Map<Hex, bigint>();
  let total = 0n;
  for (const v of validators) {
    const p = stakeOf(v.hotkey);
    power.set(v.key, p);
    total += p;
  }
  if (total === 0n) for (const v of validators) power.set(v.key, 1n);
  return power;
}

export function votingPower(state: ChainState): Map<Hex, bigint> {
  return powerOfValidators(state.validators, (h) => state.hotkeys.get(h)?.totalStake ?? 0n);
}

/** The consensus membership of a state: validators with power > 0, ascending by key. */
export function validatorMembers(state: ChainState): ValidatorMember[] {
  return membersFrom(votingPower(state));
}

function membersFrom(power: Map<Hex, bigint>): ValidatorMember[] {
  return [...power]
    .filter(([, p]) => p > 0n)
    .map(([key, p]) => ({ key, power: p }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The sets of a genesis state: the set of height 1 (also standing in for height 0). */
export function genesisValidatorSets(
  validators: ReadonlyArray<Validator>,
  stakeOf: (hotkey: Hex) => bigint,
): ValidatorSets {
  const set = createValidatorSet(membersFrom(powerOfValidators(validators, stakeOf)));
  return { last: set, next: set };
}

/** The sets after the block that follows `pre`: last ← next, next ← rule(next, members(pre)). */
export function advanceValidatorSets(pre: ChainState): ValidatorSets {
  const next = pre.validatorSets.next;
  return { last: next, next: nextValidatorSet(next, validatorMembers(pre)) };
}

/** Voting power per key in a set (for commit checks). */
export function setPower(set: ValidatorSet): Map<Hex, bigint> {
  return new Map(set.validators.map((v) => [v.key, v.power]));
}

// -- evidence ------------------------------------------------------------------------------------

export type EvidenceReason =
  | 'malformed'
  | 'not-conflicting'
  | 'bad-signature'
  | 'future'
  | 'expired'
  | 'already-applied'
  | 'not-validator';

/** What checkEvidence reads: a state, or a block's draft scalars with the chain id. */
export interface EvidenceContext {
  readonly chainId: string;
  readonly params: Pick<ChainParams, 'evidenceMaxAge' | 'slashFraction'>;
  readonly validators: ReadonlyArray<Validator>;
  readonly slashes: ReadonlyArray<SlashRecord>;
}

function badEvidence(reason: EvidenceReason, data: Record<string, unknown> = {}) {
  return chainError(ChainErrorCode.BAD_EVIDENCE, `evidence: ${reason}`, { reason, ...data });
}

/**
 * The part of the checks that needs no state: shape, conflict, order, signatures. Returns the
 * evidence id. Throws BAD_EVIDENCE (reason malformed | not-conflicting | bad-signature).
 */
export function checkEvidenceStateless(
  chainId: string,
  e: Evidence,
  options: { skipSignatures?: boolean } = {},
): Hex {
  if (typeof e !== 'object' || e === null || e.kind !== 'duplicate-vote') {
    throw badEvidence('malformed');
  }
  const a: unknown = e.a;
  const b: unknown = e.b;
  if (!isWellFormed(a) || !isWellFormed(b) || a.type === 'proposal' || b.type === 'proposal') {
    throw badEvidence('malformed');
  }
  if (
    a.type !== b.type ||
    a.height !== b.height ||
    a.round !== b.round ||
    a.validator !== b.validator ||
    !(a.blockHash < b.blockHash)
  ) {
    throw badEvidence('not-conflicting');
  }
  if (options.skipSignatures !== true) {
    if (!verifyMessage(chainId, a) || !verifyMessage(chainId, b)) {
      throw badEvidence('bad-signature', { validator: a.validator });
    }
  }
  return evidenceKey(e);
}

/** Index of `id` in slashes (ascending by id), or −(insertion point) − 1. */
function findSlash(slashes: ReadonlyArray<SlashRecord>, id: Hex): number {
  let lo = 0;
  let hi = slashes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = slashes[mid]!.evidence;
    if (k === id) return mid;
    if (k < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** Whether this validator key was ever slashed (and so may have left the list). */
export function wasSlashed(slashes: ReadonlyArray<SlashRecord>, validator: Hex): boolean {
  return slashes.some((s) => s.validator === validator);
}

/**
 * All checks of evidence for block `height` on the state (or draft) `ctx`. Returns its id and
 * the validator it names; throws BAD_EVIDENCE with data.reason otherwise.
 */
export function checkEvidence(
  ctx: EvidenceContext,
  height: number,
  e: Evidence,
  options: { skipSignatures?: boolean } = {},
): { id: Hex; validator: Validator } {
  const id = checkEvidenceStateless(ctx.chainId, e, options);
  const offence = e.a.height;
  if (offence > height) throw badEvidence('future', { height: offence });
  if (height - offence > ctx.params.evidenceMaxAge) {
    throw badEvidence('expired', { height: offence, maxAge: ctx.params.evidenceMaxAge });
  }
  if (findSlash(ctx.slashes, id) >= 0) throw badEvidence('already-applied', { evidence: id });
  const validator = ctx.validators.find((v) => v.key === e.a.validator);
  if (validator === undefined) throw badEvidence('not-validator', { validator: e.a.validator });
  return { id, validator };
}

/**
 * Takes `amount` out of `stakes` (ascending by coldkey) in proportion, by largest remainder.
 * Returns the stakes left (zero entries dropped) and each staker's loss. `amount ≤ total`.
 */
export function slashStakes(
  stakes: ReadonlyArray<readonly [Hex, bigint]>,
  total: bigint,
  amount: bigint,
): { stakes: Array<readonly [Hex, bigint]>; losses: Array<readonly [Hex, bigint]> } {
  if (amount < 0n || amount > total) throw new RangeError('slash amount out of range');
  if (total === 0n || amount === 0n) {
    return { stakes: stakes.map((s) => [s[0], s[1]] as const), losses: [] };
  }
  const shares = stakes.map(([coldkey, stake], i) => ({
    i,
    coldkey,
    stake,
    loss: (stake * amount) / total,
    remainder: (stake * amount) % total,
  }));
  let left = amount;
  for (const s of shares) left -= s.loss;
  // left < stakers with a remainder > 0 (their remainders sum to left × total).
  const order = shares
    .filter((s) => s.remainder > 0n)
    .sort((x, y) =>
      x.remainder !== y.remainder ? (x.remainder > y.remainder ? -1 : 1) : x.i - y.i,
    );
  for (let k = 0; left > 0n; k++, left--) order[k]!.loss += 1n;
  return {
    stakes: shares.filter((s) => s.stake > s.loss).map((s) => [s.coldkey, s.stake - s.loss]),
    losses: shares.filter((s) => s.loss > 0n).map((s) => [s.coldkey, s.loss]),
  };
}

/** Checks and applies one piece of evidence in block `height` (see the header). */
export function applyEvidence(
  d: StateDraft,
  e: Evidence,
  height: number,
  options: { skipSignatures?: boolean } = {},
): SlashRecord {
  const ctx: EvidenceContext = {
    chainId: d.base.chainId,
    params: d.params,
    validators: d.s.validators,
    slashes: d.s.slashes,
  };
  const { id, validator } = checkEvidence(ctx, height, e, options);
  const rec = d.hotkey(validator.hotkey);
  let amount = 0n;
  if (rec !== undefined && rec.totalStake > 0n) {
    amount = (rec.totalStake * BigInt(d.params.slashFraction)) / BigInt(BPS);
    const cut = slashStakes(rec.stakes, rec.totalStake, amount);
    d.hotkeys.set(validator.hotkey, {
      ...rec,
      stakes: cut.stakes,
      totalStake: rec.totalStake - amount,
    });
    d.recycle(amount);
  }
  const removed = d.s.validators.length > 1;
  if (removed) d.s.validators = d.s.validators.filter((v) => v.key !== validator.key);
  const record: SlashRecord = {
    evidence: id,
    validator: validator.key,
    hotkey: validator.hotkey,
    offenceHeight: e.a.height,
    height,
    amount,
    removed,
  };
  const slashes = d.s.slashes.slice();
  slashes.splice(-findSlash(slashes, id) - 1, 0, record);
  d.s.slashes = slashes;
  d.events.push({ type: 'slash', ...record });
  return record;
}
