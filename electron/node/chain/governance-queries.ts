/**
 * Read-side views of governance for the API, the CLI and the UI: JSON-safe (power and amounts as
 * decimal rao strings, keys as SS58 addresses). An open proposal's tally is computed live from
 * the votes and the stake table as they stand now, with the same function the chain runs at the
 * end (governance/tally.ts); a closed one shows the tally the chain stored.
 */
import {
  GOV_PARAMS,
  govParam,
  type GovParamScope,
  type GovParamUnit,
} from '../governance/params.ts';
import {
  concentration,
  lockEnd,
  tally,
  votePower,
  type StakeRow,
  type Threshold,
  type TallyResult,
} from '../governance/tally.ts';
import type { Hex } from './crypto.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import { lockedStake } from './governance.ts';
import { addressOf, keyOf } from './queries.ts';
import {
  netuidKey,
  proposalKey,
  type ChainState,
  type Proposal,
  type SubnetModel,
  type Vote,
} from './types.ts';

export interface TallyView {
  yes: string;
  no: string;
  abstain: string;
  /** Raw stake behind the votes (rao) and all staked rao: the quorum compares the two. */
  turnout: string;
  totalStake: string;
  /** Turnout the quorum needs (rao). */
  quorumNeeded: string;
  quorumReached: boolean;
  /** Whether the votes so far meet the threshold (quorum aside). */
  thresholdMet: boolean;
  voters: number;
}

export interface ProposalView {
  id: number;
  kind: 'param' | 'upgrade' | 'subnet_model' | 'text';
  status: 'active' | 'passed' | 'rejected' | 'enacted';
  title: string;
  description: string;
  proposer: string;
  deposit: string;
  createdAt: number;
  endHeight: number;
  /** Blocks until the end (0 once closed) and the estimated time of the end (ms). */
  blocksLeft: number;
  endsAt: number;
  quorum: number;
  threshold: Threshold;
  param: {
    name: string;
    scope: GovParamScope;
    unit: GovParamUnit;
    netuid: number | null;
    value: string;
    /** The value now (before enactment: the one the change replaces). */
    current: string | null;
    /** The value the change replaced, once enacted. */
    oldValue: string | null;
  } | null;
  upgrade: { version: string; activationHeight: number } | null;
  /** A subnet_model action: the subnet and the model (with its rules) it would run. */
  subnetModel: { netuid: number; model: SubnetModel } | null;
  tally: TallyView;
  /** Would the proposal pass if it ended now (active), or did it (closed). */
  passing: boolean;
  concentration: { top10Bps: number; decisiveVoters: number; voters: number };
  enactHeight: number | null;
  enactedAt: number | null;
}

export interface VoteView {
  voter: string;
  choice: 'yes' | 'no' | 'abstain';
  conviction: number;
  /** Own stake (rao), delegated stake following this vote (rao), and the power it gives. */
  stake: string;
  delegated: string;
  power: string;
  lockUntil: number;
  block: number;
}

export interface ProposalDetailView extends ProposalView {
  votes: VoteView[];
}

export interface GovParamView {
  name: string;
  scope: GovParamScope;
  unit: GovParamUnit;
  min: string;
  max: string;
  summary: string;
  /** Chain value, or the default for new subnets. */
  current: string;
  subnets: Array<{ netuid: number; value: string }>;
}

export interface GovParamsView {
  params: GovParamView[];
  votingPeriod: number;
  quorum: number;
  enactmentDelay: number;
  proposalDeposit: string;
  height: number;
}

export interface VoterView {
  address: string;
  /** The coldkey's stake on every hotkey (rao): its voting power before conviction. */
  stake: string;
  /** The largest live conviction lock and when it ends (0 = none). */
  locked: string;
  lockUntil: number;
  /** Power per conviction 0..6 for the stake as it is now (rao). */
  powerByConviction: string[];
  votes: Array<{ proposal: number; choice: string; conviction: number; lockUntil: number }>;
  /** Open proposals this coldkey has not voted on yet. */
  canVote: number[];
}

function stakeTable(state: ChainState): StakeRow[] {
  return [...state.hotkeys.entries()].map(([hotkey, rec]) => ({
    hotkey,
    owner: rec.owner,
    stakes: rec.stakes,
  }));
}

function votesOf(state: ChainState, id: number): Vote[] {
  const suffix = proposalKey(id);
  const out: Vote[] = [];
  for (const [k, v] of state.votes.entries()) if (k.endsWith(suffix)) out.push(v);
  return out;
}

function coldkeyStake(state: ChainState, coldkey: Hex): bigint {
  let total = 0n;
  for (const [, rec] of state.hotkeys.entries()) {
    for (const [c, amount] of rec.stakes) if (c === coldkey) total += amount;
  }
  return total;
}

function thresholdOf(p: Proposal): Threshold {
  return p.action.kind === 'upgrade' ? 'two-thirds' : 'majority';
}

function currentValue(state: ChainState, name: string, netuid: number | null): bigint | null {
  const spec = govParam(name);
  if (spec === undefined) return null;
  const src =
    spec.scope === 'chain'
      ? (state.params as unknown as Record<string, unknown>)
      : ((netuid === null
          ? state.params.subnetDefaults
          : state.subnets.get(netuidKey(netuid))?.params) as unknown as
          Record<string, unknown> | undefined);
  const v = src?.[name];
  return typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : null;
}

export class GovernanceQueries {
  private readonly state: () => ChainState;
  private readonly blockIntervalMs: () => number;

  constructor(state: () => ChainState, blockIntervalMs: () => number) {
    this.state = state;
    this.blockIntervalMs = blockIntervalMs;
  }

  private live(s: ChainState, p: Proposal, table: StakeRow[]): TallyResult {
    return tally({
      votes: votesOf(s, p.id),
      stakeTable: table,
      quorumBps: p.quorum,
      threshold: thresholdOf(p),
    });
  }

  private view(
    s: ChainState,
    p: Proposal,
    table: StakeRow[],
  ): { view: ProposalView; live: TallyResult } {
    const live = this.live(s, p, table);
    const stored = p.tally;
    const total = stored?.totalStake ?? live.totalStake;
    const yes = stored?.yes ?? live.yes;
    const no = stored?.no ?? live.no;
    const threshold = thresholdOf(p);
    const thresholdMet =
      threshold === 'two-thirds' ? yes > 0n && 3n * yes >= 2n * (yes + no) : yes > no;
    const quorumNeeded = (total * BigInt(p.quorum) + 9_999n) / 10_000n;
    const blocksLeft = p.status === 'active' ? Math.max(0, p.endHeight - s.height) : 0;
    const a = p.action;
    const current = a.kind === 'param' ? currentValue(s, a.param, a.netuid) : null;
    const spec = a.kind === 'param' ? govParam(a.param) : undefined;
    const view: ProposalView = {
      id: p.id,
      kind: a.kind,
      status: p.status,
      title: p.title,
      description: p.description,
      proposer: addressOf(p.proposer),
      deposit: p.deposit.toString(),
      createdAt: p.createdAt,
      endHeight: p.endHeight,
      blocksLeft,
      endsAt: s.lastBlockTime + blocksLeft * this.blockIntervalMs(),
      quorum: p.quorum,
      threshold,
      param:
        a.kind === 'param'
          ? {
              name: a.param,
              scope: spec?.scope ?? 'chain',
              unit: spec?.unit ?? 'count',
              netuid: a.netuid,
              value: a.value.toString(),
              current: current === null ? null : current.toString(),
              oldValue: p.oldValue === null ? null : p.oldValue.toString(),
            }
          : null,
      upgrade:
        a.kind === 'upgrade' ? { version: a.version, activationHeight: a.activationHeight } : null,
      subnetModel: a.kind === 'subnet_model' ? { netuid: a.netuid, model: { ...a.model } } : null,
      tally: {
        yes: yes.toString(),
        no: no.toString(),
        abstain: (stored?.abstain ?? live.abstain).toString(),
        turnout: (stored?.turnout ?? live.turnout).toString(),
        totalStake: total.toString(),
        quorumNeeded: quorumNeeded.toString(),
        quorumReached: stored?.quorumReached ?? live.quorumReached,
        thresholdMet,
        voters: stored?.voters ?? live.voters.length,
      },
      passing: p.status === 'active' ? live.passed : p.status !== 'rejected',
      concentration: concentration(live.voters, threshold),
      enactHeight: p.enactHeight,
      enactedAt: p.enactedAt,
    };
    return { view, live };
  }

  private proposal(id: number): Proposal {
    const p = this.state().proposals.get(proposalKey(id));
    if (p === undefined) {
      throw chainError(ChainErrorCode.GOV_UNKNOWN_PROPOSAL, `no proposal ${id}`, { proposal: id });
    }
    return p;
  }

  /** Every proposal, newest first. */
  list(): ProposalView[] {
    const s = this.state();
    const table = stakeTable(s);
    return [...s.proposals.entries()]
      .map(([, p]) => p)
      .sort((a, b) => b.id - a.id)
      .map((p) => this.view(s, p, table).view);
  }

  show(id: number): ProposalDetailView {
    const s = this.state();
    const p = this.proposal(id);
    const { view, live } = this.view(s, p, stakeTable(s));
    const byVoter = new Map(live.voters.map((v) => [v.voter, v]));
    const votes = votesOf(s, id)
      .map((v) => {
        const counted = byVoter.get(v.voter);
        return {
          voter: addressOf(v.voter),
          choice: v.choice,
          conviction: v.conviction,
          stake: (counted?.stake ?? 0n).toString(),
          delegated: (counted?.delegated ?? 0n).toString(),
          power: (counted?.power ?? 0n).toString(),
          lockUntil: v.lockUntil,
          block: v.block,
          sort: counted?.power ?? 0n,
        };
      })
      .sort((a, b) => (a.sort > b.sort ? -1 : a.sort < b.sort ? 1 : a.voter < b.voter ? -1 : 1))
      .map(({ sort: _sort, ...v }) => v);
    return { ...view, votes };
  }

  /** Every enacted parameter change, oldest first: who proposed, the tally, when, old → new. */
  history(): ProposalView[] {
    return this.list()
      .filter((p) => p.status === 'enacted')
      .sort((a, b) => (a.enactedAt ?? 0) - (b.enactedAt ?? 0) || a.id - b.id);
  }

  params(): GovParamsView {
    const s = this.state();
    const subnets = [...s.subnets.entries()]
      .map(([, sub]) => sub)
      .sort((a, b) => a.netuid - b.netuid);
    return {
      params: GOV_PARAMS.map((spec) => ({
        name: spec.name,
        scope: spec.scope,
        unit: spec.unit,
        min: spec.min.toString(),
        max: spec.max.toString(),
        summary: spec.summary,
        current: (currentValue(s, spec.name, null) ?? 0n).toString(),
        subnets:
          spec.scope === 'subnet'
            ? subnets.map((sub) => ({
                netuid: sub.netuid,
                value: (currentValue(s, spec.name, sub.netuid) ?? 0n).toString(),
              }))
            : [],
      })),
      votingPeriod: s.params.votingPeriod,
      quorum: s.params.quorum,
      enactmentDelay: s.params.enactmentDelay,
      proposalDeposit: s.params.proposalDeposit.toString(),
      height: s.height,
    };
  }

  voter(address: string): VoterView {
    const s = this.state();
    const key = keyOf(address);
    const stake = coldkeyStake(s, key);
    const lock = lockedStake(s.locks.get(key), s.height);
    const votes: VoterView['votes'] = [];
    for (const [k, v] of s.votes.entries()) {
      if (k.startsWith(key)) {
        votes.push({
          proposal: v.proposal,
          choice: v.choice,
          conviction: v.conviction,
          lockUntil: v.lockUntil,
        });
      }
    }
    votes.sort((a, b) => b.proposal - a.proposal);
    const voted = new Set(votes.map((v) => v.proposal));
    return {
      address: addressOf(key),
      stake: stake.toString(),
      locked: lock.amount.toString(),
      lockUntil: lock.until,
      powerByConviction: [0, 1, 2, 3, 4, 5, 6].map((c) =>
        votePower(stake, c === 0 ? 0n : stake, c).toString(),
      ),
      votes,
      canVote: stake === 0n ? [] : s.governance.open.filter((id) => !voted.has(id)),
    };
  }

  /** What a vote would weigh and lock, for the confirmation the user approves. */
  preview(
    coldkey: Hex,
    proposal: number,
    conviction: number,
  ): { stake: bigint; power: bigint; lockUntil: number } {
    const s = this.state();
    const p = this.proposal(proposal);
    const stake = coldkeyStake(s, coldkey);
    const lockUntil = lockEnd(p.endHeight, conviction, p.votingPeriod);
    return { stake, power: votePower(stake, lockUntil === 0 ? 0n : stake, conviction), lockUntil };
  }

  /** The proposal a `propose` transaction created in block `height` (null if none). */
  createdBy(proposer: Hex, height: number, title: string): number | null {
    let found: number | null = null;
    for (const [, p] of this.state().proposals.entries()) {
      if (p.proposer === proposer && p.createdAt === height && p.title === title) {
        if (found === null || p.id > found) found = p.id;
      }
    }
    return found;
  }
}
