/**
 * Governance on chain: what `propose` and `vote` do to a state draft, the conviction-lock check
 * `remove_stake` makes, and the end-of-block step that tallies proposals whose period ended and
 * enacts passed changes whose time came. The arithmetic of the tally and the parameter table are
 * pure and live in `governance/`; this file reads the draft, calls them, and writes the results.
 *
 * A `subnet_model` action passes and enacts like a parameter change (majority, enactmentDelay
 * after the vote) by replacing the subnet's model and verification rules.
 *
 * Order at the end of block H (before emission and epochs, so a tempo enacted at H already
 * governs the epoch check of H): tally every open proposal with endHeight = H, then enact every
 * queued proposal with enactHeight ≤ H, ascending by id.
 */
import { checkParamValue, govParam } from '../governance/params.ts';
import { isConviction, lockEnd, tally, type StakeRow } from '../governance/tally.ts';
import type { Hex } from './crypto.ts';
import type { StateDraft } from './draft.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import { checkSubnetModel } from './subnet-model.ts';
import { MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH, MAX_VERSION_LENGTH, type TxCall } from './tx.ts';
import {
  proposalKey,
  voteKey,
  type ChainParams,
  type Proposal,
  type ProposalAction,
  type SubnetParams,
  type Vote,
  type VoteLocks,
} from './types.ts';

/** Open proposals at once, so the end-of-block work stays bounded. */
export const MAX_OPEN_PROPOSALS = 64;
const VERSION_RE = /^\d{1,6}\.\d{1,6}\.\d{1,6}$/;
// Printable text: no control characters except newline and tab in the description.
const TITLE_RE = /^[^\p{Cc}]+$/u;
const DESCRIPTION_RE = /^[^\p{Cc}]*$/u;

type ProposeCall = Extract<TxCall, { kind: 'propose' }>;
type VoteCall = Extract<TxCall, { kind: 'vote' }>;

/** The current value of a governed parameter (subnet or its defaults, or the chain's). */
export function paramValue(d: StateDraft, name: string, netuid: number | null): bigint | undefined {
  const spec = govParam(name);
  if (spec === undefined) return undefined;
  const source: Record<string, unknown> =
    spec.scope === 'chain'
      ? (d.params as unknown as Record<string, unknown>)
      : (((netuid === null ? d.params.subnetDefaults : d.subnet(netuid)?.params) as unknown as
          Record<string, unknown> | undefined) ?? {});
  const v = source[name];
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return undefined;
}

function checkAction(d: StateDraft, action: ProposalAction, endHeight: number): void {
  if (action.kind === 'param') {
    if (action.netuid !== null) d.requireSubnet(action.netuid);
    const r = checkParamValue(action.param, action.netuid !== null, action.value, (n) =>
      paramValue(d, n, action.netuid),
    );
    if (!r.ok) {
      if (r.reason === 'unknown') {
        throw chainError(
          ChainErrorCode.GOV_UNKNOWN_PARAM,
          `no governed parameter "${action.param}"`,
          {
            param: action.param,
          },
        );
      }
      if (r.reason === 'scope') {
        throw chainError(
          ChainErrorCode.GOV_PARAM_SCOPE,
          `"${action.param}" is a chain parameter: no netuid`,
          {
            param: action.param,
            scope: r.spec?.scope,
          },
        );
      }
      throw chainError(
        ChainErrorCode.GOV_VALUE_OUT_OF_BOUNDS,
        `${action.param} must be within bounds`,
        {
          param: action.param,
          value: action.value.toString(),
          min: r.min?.toString(),
          max: r.max?.toString(),
        },
      );
    }
  } else if (action.kind === 'subnet_model') {
    d.requireSubnet(action.netuid);
    checkSubnetModel(action.model);
  } else if (action.kind === 'upgrade') {
    if (action.version.length > MAX_VERSION_LENGTH || !VERSION_RE.test(action.version)) {
      throw chainError(ChainErrorCode.GOV_BAD_UPGRADE, 'the version must read x.y.z', {
        version: action.version.slice(0, 40),
      });
    }
    if (action.activationHeight <= endHeight) {
      throw chainError(ChainErrorCode.GOV_BAD_UPGRADE, 'activation must come after the vote ends', {
        activationHeight: action.activationHeight,
        endHeight,
      });
    }
  }
}

export function propose(d: StateDraft, signer: Hex, call: ProposeCall, height: number): void {
  const p = d.params;
  if (
    call.title.trim().length === 0 ||
    call.title.length > MAX_TITLE_LENGTH ||
    !TITLE_RE.test(call.title)
  ) {
    throw chainError(
      ChainErrorCode.GOV_BAD_TEXT,
      `the title must be 1–${MAX_TITLE_LENGTH} printable characters`,
      {
        field: 'title',
      },
    );
  }
  if (
    call.description.length > MAX_DESCRIPTION_LENGTH ||
    !DESCRIPTION_RE.test(call.description.replace(/[\n\t]/g, ' '))
  ) {
    throw chainError(
      ChainErrorCode.GOV_BAD_TEXT,
      `the description must be at most ${MAX_DESCRIPTION_LENGTH} printable characters`,
      {
        field: 'description',
      },
    );
  }
  if (call.deposit < p.proposalDeposit) {
    throw chainError(
      ChainErrorCode.GOV_DEPOSIT_MISSING,
      'the deposit is below the required amount',
      {
        deposit: call.deposit.toString(),
        min: p.proposalDeposit.toString(),
      },
    );
  }
  const meta = d.s.governance;
  if (meta.open.length >= MAX_OPEN_PROPOSALS) {
    throw chainError(ChainErrorCode.GOV_TOO_MANY_PROPOSALS, 'too many proposals are open', {
      max: MAX_OPEN_PROPOSALS,
    });
  }
  const endHeight = height + p.votingPeriod;
  checkAction(d, call.action, endHeight);
  d.debit(signer, call.deposit);
  const id = meta.nextProposalId;
  const proposal: Proposal = {
    id,
    proposer: signer,
    action: call.action,
    title: call.title,
    description: call.description,
    deposit: call.deposit,
    createdAt: height,
    endHeight,
    quorum: p.quorum,
    votingPeriod: p.votingPeriod,
    status: 'active',
    tally: null,
    enactHeight: null,
    enactedAt: null,
    oldValue: null,
  };
  d.proposals.set(proposalKey(id), proposal);
  d.s.governance = { ...meta, nextProposalId: id + 1, open: [...meta.open, id] };
}

function liveLocks(
  locks: VoteLocks | undefined,
  height: number,
): Array<readonly [number, bigint, number]> {
  return (locks?.entries ?? []).filter(([, , until]) => until > height);
}

/** The largest live conviction lock of a coldkey at `height`, and when it ends. */
export function lockedStake(
  locks: VoteLocks | undefined,
  height: number,
): { amount: bigint; until: number } {
  let amount = 0n;
  let until = 0;
  for (const [, a, u] of liveLocks(locks, height)) {
    if (a > amount || (a === amount && u > until)) {
      amount = a;
      until = u;
    }
  }
  return { amount, until };
}

export function vote(d: StateDraft, signer: Hex, call: VoteCall, height: number): void {
  const prop = d.proposals.get(proposalKey(call.proposal));
  if (prop === undefined) {
    throw chainError(ChainErrorCode.GOV_UNKNOWN_PROPOSAL, `no proposal ${call.proposal}`, {
      proposal: call.proposal,
    });
  }
  if (prop.status !== 'active' || height > prop.endHeight) {
    throw chainError(ChainErrorCode.GOV_VOTING_CLOSED, `voting on proposal ${prop.id} has ended`, {
      proposal: prop.id,
      endHeight: prop.endHeight,
    });
  }
  if (!isConviction(call.conviction)) {
    throw chainError(ChainErrorCode.GOV_BAD_CONVICTION, 'conviction must be 0 to 6', {
      conviction: call.conviction,
    });
  }
  const stake = d.coldkeyStake(signer);
  if (stake === 0n) {
    throw chainError(ChainErrorCode.GOV_NO_STAKE, 'no stake, so no voting power', {
      voter: signer,
    });
  }
  const until = lockEnd(prop.endHeight, call.conviction, prop.votingPeriod);
  const locked = until === 0 ? 0n : stake;
  const v: Vote = {
    proposal: prop.id,
    voter: signer,
    choice: call.choice,
    conviction: call.conviction,
    locked,
    lockUntil: until,
    block: height,
  };
  d.votes.set(voteKey(signer, prop.id), v);
  // The lock of this proposal is replaced by the new vote's; expired entries are dropped.
  const entries = liveLocks(d.locks.get(signer), height).filter(([id]) => id !== prop.id);
  if (until > 0) entries.push([prop.id, locked, until]);
  entries.sort((a, b) => a[0] - b[0]);
  if (entries.length === 0) d.locks.delete(signer);
  else d.locks.set(signer, { entries });
}

/** remove_stake: refused when the coldkey's stake would fall below its live conviction lock. */
export function checkUnstakeLock(d: StateDraft, coldkey: Hex, taken: bigint, height: number): void {
  const lock = lockedStake(d.locks.get(coldkey), height);
  if (lock.amount === 0n) return;
  const remaining = d.coldkeyStake(coldkey) - taken;
  if (remaining < lock.amount) {
    throw chainError(
      ChainErrorCode.STAKE_LOCKED,
      `stake locked by a conviction vote until block ${lock.until}`,
      {
        locked: lock.amount.toString(),
        until: lock.until,
        remaining: remaining.toString(),
      },
    );
  }
}

/** Every hotkey's stake rows, for the tally. */
function stakeTable(d: StateDraft): StakeRow[] {
  return d.hotkeys
    .entries()
    .map(([hotkey, rec]) => ({ hotkey, owner: rec.owner, stakes: rec.stakes }));
}

function votesOf(d: StateDraft, id: number): Vote[] {
  const suffix = proposalKey(id);
  return d.votes
    .entries()
    .filter(([k]) => k.endsWith(suffix) && k.length === 72)
    .map(([, v]) => v);
}

function closeProposal(d: StateDraft, prop: Proposal, height: number): Proposal {
  const t = tally({
    votes: votesOf(d, prop.id),
    stakeTable: stakeTable(d),
    quorumBps: prop.quorum,
    threshold: prop.action.kind === 'upgrade' ? 'two-thirds' : 'majority',
  });
  if (t.quorumReached) d.credit(prop.proposer, prop.deposit);
  else if (prop.deposit > 0n) d.recycle(prop.deposit);
  let enactHeight: number | null = null;
  if (t.passed && (prop.action.kind === 'param' || prop.action.kind === 'subnet_model')) {
    enactHeight = height + d.params.enactmentDelay;
  }
  if (t.passed && prop.action.kind === 'upgrade') enactHeight = prop.action.activationHeight;
  return {
    ...prop,
    status: t.passed ? 'passed' : 'rejected',
    enactHeight,
    tally: {
      yes: t.yes,
      no: t.no,
      abstain: t.abstain,
      turnout: t.turnout,
      totalStake: t.totalStake,
      quorumReached: t.quorumReached,
      voters: t.voters.length,
    },
  };
}

function enact(d: StateDraft, prop: Proposal, height: number): Proposal {
  const a = prop.action;
  if (a.kind === 'subnet_model') {
    const s = d.subnet(a.netuid);
    // As for a parameter: a subnet gone since the vote leaves nothing to change.
    if (s !== undefined) d.setSubnet({ ...s, model: a.model });
    return { ...prop, status: 'enacted', enactedAt: height };
  }
  if (a.kind !== 'param') return { ...prop, status: 'enacted', enactedAt: height };
  const spec = govParam(a.param);
  const old = paramValue(d, a.param, a.netuid);
  if (spec === undefined || old === undefined) return prop;
  // Amounts are bigint fields of the parameter records; everything else is a number.
  const typed = spec.unit === 'rao' ? a.value : Number(a.value);
  if (spec.scope === 'chain') {
    d.s.params = { ...d.s.params, [a.param]: typed } as ChainParams;
  } else if (a.netuid === null) {
    const subnetDefaults = { ...d.s.params.subnetDefaults, [a.param]: typed } as SubnetParams;
    d.s.params = { ...d.s.params, subnetDefaults };
  } else {
    const s = d.subnet(a.netuid);
    // A subnet that no longer exists: the change has nothing to act on, it is recorded as is.
    if (s !== undefined)
      d.setSubnet({ ...s, params: { ...s.params, [a.param]: typed } as SubnetParams });
  }
  return { ...prop, status: 'enacted', enactedAt: height, oldValue: old };
}

/** End of block `height`: tallies, then enactments. */
export function governanceEndBlock(d: StateDraft, height: number): void {
  let meta = d.s.governance;
  if (meta.open.length === 0 && meta.queued.length === 0) return;
  const open: number[] = [];
  const queued = [...meta.queued];
  for (const id of meta.open) {
    const prop = d.proposals.get(proposalKey(id)) as Proposal;
    if (prop.endHeight > height) {
      open.push(id);
      continue;
    }
    const closed = closeProposal(d, prop, height);
    d.proposals.set(proposalKey(id), closed);
    if (closed.enactHeight !== null) queued.push(id);
  }
  queued.sort((a, b) => a - b);
  const waiting: number[] = [];
  for (const id of queued) {
    const prop = d.proposals.get(proposalKey(id)) as Proposal;
    if ((prop.enactHeight ?? 0) > height) {
      waiting.push(id);
      continue;
    }
    d.proposals.set(proposalKey(id), enact(d, prop, height));
  }
  meta = { ...meta, open, queued: waiting };
  d.s.governance = meta;
}
