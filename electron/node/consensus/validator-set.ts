/**
 * The validator set of a height: who votes, with what power, and who proposes each round.
 *
 * Power is stake (bigint rao). Quorums are exact integer comparisons: "+2/3" is
 * `power·3 > total·2`, "f+1" (more than a third) is `power·3 > total`.
 *
 * Proposer selection is CometBFT's weighted round-robin (spec/consensus/proposer-selection.md,
 * types/validator_set.go): every validator carries a priority; one run scales the priorities
 * into a window of 2·P when they spread wider, centres them on zero, adds each validator's power,
 * picks the highest (ties to the lower key) and takes P from it. Over P runs each validator
 * proposes power(i) times. Round r of height h is run r+1 on the height's set; the set of
 * height h+1 starts from the set of h after one run. A validator joining starts at −1.125·P so
 * leaving and rejoining cannot jump the queue.
 *
 * Set changes decided in block H take effect at height H+2 (ABCI's rule), so the set of height h
 * is read from the stake snapshot after block h−2 (genesis for h ≤ 2): every node knows the set
 * of the next height before it starts, and a commit for height h is checked against the set of h.
 */
import type { Hex } from '../chain/crypto.ts';

export interface ValidatorMember {
  /** Consensus key (32-byte ed25519 public key, lower-case hex). */
  readonly key: Hex;
  /** Voting power: stake in rao, > 0. */
  readonly power: bigint;
}

export interface Validator extends ValidatorMember {
  /** Accumulated proposer priority. */
  readonly priority: bigint;
}

export interface ValidatorSet {
  /** Ascending by key, keys unique, every power > 0. */
  readonly validators: readonly Validator[];
  readonly totalPower: bigint;
}

/** CometBFT's PriorityWindowSizeFactor. */
const WINDOW_FACTOR = 2n;

export function hasTwoThirds(power: bigint, total: bigint): boolean {
  return power * 3n > total * 2n;
}

export function hasOneThird(power: bigint, total: bigint): boolean {
  return power * 3n > total;
}

function byKey(a: { key: Hex }, b: { key: Hex }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function total(vs: readonly ValidatorMember[]): bigint {
  let t = 0n;
  for (const v of vs) t += v.power;
  return t;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function checkMembers(members: readonly ValidatorMember[]): void {
  const seen = new Set<Hex>();
  for (const m of members) {
    if (m.power <= 0n) throw new RangeError(`validator ${m.key} has no power`);
    if (seen.has(m.key)) throw new RangeError(`validator ${m.key} listed twice`);
    seen.add(m.key);
  }
  if (seen.size === 0) throw new RangeError('a validator set needs a validator');
}

/** Scale into a window of 2·P when the spread is wider, then centre on the (floored) mean. */
function rescaleAndCentre(vs: Validator[], P: bigint): Validator[] {
  let min = vs[0]!.priority;
  let max = min;
  for (const v of vs) {
    if (v.priority < min) min = v.priority;
    if (v.priority > max) max = v.priority;
  }
  const diff = max - min;
  const window = WINDOW_FACTOR * P;
  let out = vs;
  if (diff > window) {
    const ratio = (diff + window - 1n) / window;
    out = out.map((v) => ({ ...v, priority: v.priority / ratio }));
  }
  let sum = 0n;
  for (const v of out) sum += v.priority;
  const avg = floorDiv(sum, BigInt(out.length));
  return avg === 0n ? out : out.map((v) => ({ ...v, priority: v.priority - avg }));
}

/** A fresh set (genesis): every priority 0. */
export function createValidatorSet(members: readonly ValidatorMember[]): ValidatorSet {
  checkMembers(members);
  const validators = [...members]
    .map((m) => ({ key: m.key, power: m.power, priority: 0n }))
    .sort(byKey);
  return { validators, totalPower: total(validators) };
}

/** One proposer-selection run: returns the proposer and the set with updated priorities. */
export function advanceProposer(set: ValidatorSet): { proposer: Hex; set: ValidatorSet } {
  const P = set.totalPower;
  const vs = rescaleAndCentre([...set.validators], P).map((v) => ({
    ...v,
    priority: v.priority + v.power,
  }));
  let best = 0;
  for (let i = 1; i < vs.length; i++) {
    // Strictly greater: with keys ascending, a tie keeps the lower key.
    if (vs[i]!.priority > vs[best]!.priority) best = i;
  }
  const chosen = vs[best]!;
  vs[best] = { ...chosen, priority: chosen.priority - P };
  return { proposer: chosen.key, set: { validators: vs, totalPower: P } };
}

const proposerCache = new WeakMap<ValidatorSet, Hex[]>();

/** Proposer of round `round` for a height whose set is `set` (run round+1). Memoized per set. */
export function proposerOf(set: ValidatorSet, round: number): Hex {
  if (!Number.isSafeInteger(round) || round < 0) throw new RangeError('bad round');
  let cache = proposerCache.get(set);
  if (cache === undefined) {
    cache = [];
    proposerCache.set(set, cache);
  }
  if (round < cache.length) return cache[round]!;
  // Walk on from the last cached run; keep the walking set beside the cache.
  let cur = walkCache.get(cache) ?? set;
  while (cache.length <= round) {
    const r = advanceProposer(cur);
    cache.push(r.proposer);
    cur = r.set;
  }
  walkCache.set(cache, cur);
  return cache[round]!;
}
const walkCache = new WeakMap<Hex[], ValidatorSet>();

/**
 * The set of the next height: one run on `prev` (its round-0 proposer has proposed), then the
 * membership and powers of `members` applied. Staying validators keep their priority, new ones
 * start at −1.125·P (P the new total), leavers are dropped; then scale and centre as CometBFT's
 * updateWithChangeSet does.
 */
export function nextValidatorSet(
  prev: ValidatorSet,
  members: readonly ValidatorMember[],
): ValidatorSet {
  checkMembers(members);
  const advanced = advanceProposer(prev).set;
  const old = new Map(advanced.validators.map((v) => [v.key, v.priority]));
  const P = total(members);
  const joiner = -(P + P / 8n);
  const vs = [...members]
    .map((m) => ({ key: m.key, power: m.power, priority: old.get(m.key) ?? joiner }))
    .sort(byKey);
  return { validators: rescaleAndCentre(vs, P), totalPower: P };
}

/** Which stake snapshot governs height h: the one after block h−2 (0 = genesis). */
export function snapshotHeightFor(height: number): number {
  if (!Number.isSafeInteger(height) || height < 1) throw new RangeError('heights start at 1');
  return Math.max(0, height - 2);
}

/**
 * The set of height h from per-height membership snapshots: `membersAfter(k)` is the validator
 * membership (key, power) as it stood after block k (k = 0: genesis). Height 1 uses genesis;
 * height h uses the snapshot after block h−2 on top of the priorities carried from height h−1.
 * O(h); a node keeps the previous height's set and calls nextValidatorSet instead.
 */
export function validatorSetForHeight(
  height: number,
  membersAfter: (snapshotHeight: number) => readonly ValidatorMember[],
): ValidatorSet {
  snapshotHeightFor(height);
  let set = createValidatorSet(membersAfter(0));
  for (let h = 2; h <= height; h++) set = nextValidatorSet(set, membersAfter(snapshotHeightFor(h)));
  return set;
}

/**
 * The validator membership a stake snapshot yields: the `max` largest stakers among candidates
 * holding a validator permit, ties broken by the lower key; zero stake never validates.
 */
export function selectValidators(
  candidates: readonly { key: Hex; stake: bigint; permit: boolean }[],
  max: number,
): ValidatorMember[] {
  return candidates
    .filter((c) => c.permit && c.stake > 0n)
    .sort((a, b) => (a.stake !== b.stake ? (a.stake > b.stake ? -1 : 1) : byKey(a, b)))
    .slice(0, max)
    .map((c) => ({ key: c.key, power: c.stake }))
    .sort(byKey);
}

export function powerOf(set: ValidatorSet, key: Hex): bigint {
  return indexOf(set).get(key) ?? 0n;
}

const indexCache = new WeakMap<ValidatorSet, Map<Hex, bigint>>();

function indexOf(set: ValidatorSet): Map<Hex, bigint> {
  let m = indexCache.get(set);
  if (m === undefined) {
    m = new Map(set.validators.map((v) => [v.key, v.power]));
    indexCache.set(set, m);
  }
  return m;
}
