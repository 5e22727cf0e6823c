/**
 * The tally: from the votes cast and the stake table at the end of a voting period to the
 * outcome every node computes alike. Integer arithmetic on bigint only; the result does not
 * depend on the order of its inputs.
 *
 * Owns: conviction multipliers and lock lengths, delegation, quorum, thresholds, concentration.
 * Must not touch: chain state, drafts, I/O (the chain hands it plain arrays; see
 * chain/governance.ts).
 *
 * Rules (docs/governance.md):
 * - A coldkey's voting power is its stake on every hotkey. A direct vote with conviction c locks
 *   the stake it had when it voted (`locked`) for LOCK_PERIODS[c] voting periods after the end
 *   and counts it ×MULTIPLIER[c]; stake above the locked amount counts ×0.1 (unlocked).
 * - Stake a coldkey delegated to a hotkey owned by another coldkey follows the owner's vote
 *   (choice only) unless the delegator voted itself; it is never locked, so it counts ×0.1.
 * - Turnout (for the quorum) is the raw stake behind every vote, abstain included; the quorum is
 *   met when turnout·10000 ≥ quorumBps·totalStake.
 * - Threshold: yes > no (parameters, text); 3·yes ≥ 2·(yes + no) and yes > 0 (upgrades).
 */
import type { Hex } from '../chain/crypto.ts';

export type Choice = 'yes' | 'no' | 'abstain';
export const CHOICES: readonly Choice[] = ['yes', 'no', 'abstain'];

/** Multiplier ×10 per conviction 0..6: ×0.1, ×1 … ×6. */
export const CONVICTION_MULT10: readonly bigint[] = [1n, 10n, 20n, 30n, 40n, 50n, 60n];
/** Voting periods the stake stays locked after the end, per conviction 0..6. */
export const CONVICTION_LOCK_PERIODS: readonly number[] = [0, 1, 2, 4, 8, 16, 32];
export const MAX_CONVICTION = 6;

export function isConviction(c: number): boolean {
  return Number.isInteger(c) && c >= 0 && c <= MAX_CONVICTION;
}

/** Block at which a lock taken by a vote with `conviction` ends (0 = no lock). */
export function lockEnd(endHeight: number, conviction: number, votingPeriod: number): number {
  const periods = CONVICTION_LOCK_PERIODS[conviction] ?? 0;
  return periods === 0 ? 0 : endHeight + periods * votingPeriod;
}

/** Power of `stake` voted with `conviction`, of which `locked` is locked. */
export function votePower(stake: bigint, locked: bigint, conviction: number): bigint {
  const l = locked < stake ? locked : stake;
  const mult = CONVICTION_MULT10[conviction] ?? 1n;
  return (l * mult + (stake - l)) / 10n;
}

export interface DirectVote {
  voter: Hex;
  choice: Choice;
  conviction: number;
  /** Stake locked by this vote (0 for conviction 0). */
  locked: bigint;
}

export interface StakeRow {
  hotkey: Hex;
  /** The hotkey's owner coldkey: its vote carries the delegated stake that does not vote. */
  owner: Hex;
  /** [coldkey, rao] */
  stakes: ReadonlyArray<readonly [Hex, bigint]>;
}

export type Threshold = 'majority' | 'two-thirds';

export interface TallyInput {
  votes: readonly DirectVote[];
  stakeTable: readonly StakeRow[];
  quorumBps: number;
  threshold: Threshold;
}

export interface VoterPower {
  voter: Hex;
  choice: Choice;
  conviction: number;
  /** Own stake (raw rao). */
  stake: bigint;
  /** Delegated stake that followed this vote (raw rao). */
  delegated: bigint;
  /** Voting power: own stake with conviction plus delegated ×0.1. */
  power: bigint;
}

export interface TallyResult {
  yes: bigint;
  no: bigint;
  abstain: bigint;
  /** Raw stake behind all votes (the quorum's numerator). */
  turnout: bigint;
  /** All staked rao (the quorum's denominator). */
  totalStake: bigint;
  quorumReached: boolean;
  /** The threshold alone (quorum aside). */
  thresholdMet: boolean;
  passed: boolean;
  voters: VoterPower[];
}

export function thresholdMet(yes: bigint, no: bigint, threshold: Threshold): boolean {
  if (threshold === 'two-thirds') return yes > 0n && 3n * yes >= 2n * (yes + no);
  return yes > no;
}

export function quorumReached(turnout: bigint, totalStake: bigint, quorumBps: number): boolean {
  if (totalStake === 0n) return false;
  return turnout * 10_000n >= BigInt(quorumBps) * totalStake;
}

const byKey = (a: { voter: Hex }, b: { voter: Hex }) =>
  a.voter < b.voter ? -1 : a.voter > b.voter ? 1 : 0;

export function tally(input: TallyInput): TallyResult {
  const direct = new Map<Hex, DirectVote>();
  for (const v of input.votes) direct.set(v.voter, v);
  const own = new Map<Hex, bigint>();
  const delegated = new Map<Hex, bigint>();
  let totalStake = 0n;
  for (const row of input.stakeTable) {
    const ownerVotes = direct.has(row.owner);
    for (const [coldkey, amount] of row.stakes) {
      totalStake += amount;
      if (direct.has(coldkey)) own.set(coldkey, (own.get(coldkey) ?? 0n) + amount);
      else if (ownerVotes) delegated.set(row.owner, (delegated.get(row.owner) ?? 0n) + amount);
    }
  }
  let yes = 0n;
  let no = 0n;
  let abstain = 0n;
  let turnout = 0n;
  const voters: VoterPower[] = [];
  for (const v of direct.values()) {
    const stake = own.get(v.voter) ?? 0n;
    const follow = delegated.get(v.voter) ?? 0n;
    const power = votePower(stake, v.locked, v.conviction) + follow / 10n;
    if (stake + follow === 0n) continue;
    turnout += stake + follow;
    if (v.choice === 'yes') yes += power;
    else if (v.choice === 'no') no += power;
    else abstain += power;
    voters.push({
      voter: v.voter,
      choice: v.choice,
      conviction: v.conviction,
      stake,
      delegated: follow,
      power,
    });
  }
  voters.sort((a, b) => (a.power > b.power ? -1 : a.power < b.power ? 1 : byKey(a, b)));
  const q = quorumReached(turnout, totalStake, input.quorumBps);
  const t = thresholdMet(yes, no, input.threshold);
  return {
    yes,
    no,
    abstain,
    turnout,
    totalStake,
    quorumReached: q,
    thresholdMet: t,
    passed: q && t,
    voters,
  };
}

export interface Concentration {
  /** Share of all voting power cast held by the ten largest voters, in basis points. */
  top10Bps: number;
  /**
   * The smallest number of voters whose power alone would decide the outcome: more than half of
   * the yes + no power (two thirds for upgrades); 0 when nobody voted yes or no.
   */
  decisiveVoters: number;
  voters: number;
}

export function concentration(voters: readonly VoterPower[], threshold: Threshold): Concentration {
  const sorted = [...voters].sort((a, b) =>
    a.power > b.power ? -1 : a.power < b.power ? 1 : byKey(a, b),
  );
  let total = 0n;
  for (const v of sorted) total += v.power;
  let top = 0n;
  for (const v of sorted.slice(0, 10)) top += v.power;
  const top10Bps = total === 0n ? 0 : Number((top * 10_000n) / total);
  const decisive = sorted.filter((v) => v.choice !== 'abstain');
  let cast = 0n;
  for (const v of decisive) cast += v.power;
  let decisiveVoters = 0;
  if (cast > 0n) {
    let sum = 0n;
    for (const v of decisive) {
      sum += v.power;
      decisiveVoters++;
      const enough = threshold === 'two-thirds' ? 3n * sum >= 2n * cast : 2n * sum > cast;
      if (enough) break;
    }
  }
  return { top10Bps, decisiveVoters, voters: sorted.length };
}
