/**
 * Canonical CBOR forms of state records: used for the state root's leaves (state-root.ts) and for
 * the snapshot of the whole state (decodeState restores it exactly). Positional arrays except the
 * parameter sets, which are CBOR maps with RFC 8949 key order (there are many, rarely changing).
 */
import { decode } from 'cborg';
import { encodeCanonical, modelArray } from './codec.ts';
import { CowMap } from './cow-map.ts';
import { fromHex, toHex, type Hex } from './crypto.ts';
import type {
  Account,
  ChainParams,
  ChainState,
  GovernanceMeta,
  HotkeyRecord,
  Neuron,
  NeuronProof,
  Proposal,
  ProposalAction,
  ProposalStatus,
  ProposalTally,
  Subnet,
  SubnetModel,
  SubnetParams,
  SlashRecord,
  Validator,
  ValidatorSets,
  Vote,
  VoteChoice,
  VoteLocks,
} from './types.ts';
import type { ValidatorSet } from '../consensus/validator-set.ts';
import { netuidKey, proposalKey, voteKey } from './types.ts';

const SUBNET_BIGINTS = ['minBurn', 'maxBurn'] as const;
const CHAIN_BIGINTS = [
  'blockEmission',
  'maxSupply',
  'minFee',
  'minTransfer',
  'minStake',
  'minLockCost',
  'proposalDeposit',
] as const;

export function subnetParamsObject(p: SubnetParams): Record<string, unknown> {
  return { ...p };
}

export function paramsObject(p: ChainParams): Record<string, unknown> {
  return { ...p, subnetDefaults: subnetParamsObject(p.subnetDefaults) };
}

function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

export function subnetParamsFrom(o: Record<string, unknown>): SubnetParams {
  const out: Record<string, unknown> = { ...o };
  for (const k of SUBNET_BIGINTS) out[k] = big(o[k]);
  return out as unknown as SubnetParams;
}

export function paramsFrom(o: Record<string, unknown>): ChainParams {
  const out: Record<string, unknown> = { ...o };
  for (const k of CHAIN_BIGINTS) out[k] = big(o[k]);
  out.subnetDefaults = subnetParamsFrom(o.subnetDefaults as Record<string, unknown>);
  return out as unknown as ChainParams;
}

export function accountArray(a: Account): unknown[] {
  return [a.free, a.nonce];
}

export function hotkeyArray(h: HotkeyRecord): unknown[] {
  return [
    fromHex(h.owner),
    h.take,
    h.lastTakeIncrease,
    h.totalStake,
    h.stakes.map(([c, v]) => [fromHex(c), v]),
  ];
}

export function neuronArray(n: Neuron): unknown[] {
  return [
    n.uid,
    fromHex(n.hotkey),
    fromHex(n.coldkey),
    n.registeredAt,
    n.lastUpdate,
    n.validatorPermit,
    n.active,
    n.rank,
    n.trust,
    n.consensus,
    n.incentive,
    n.dividends,
    n.validatorTrust,
    n.pruningScore,
    n.emission,
    n.axon === null ? null : [[...n.axon.addrs], n.axon.block],
    n.weights.map(([u, w]) => [u, w]),
    n.bonds.map(([u, w]) => [u, w]),
    n.commits.map((c) => [fromHex(c.hash), c.block, c.epoch]),
    n.proof === null ? null : proofArray(n.proof),
  ];
}

function proofArray(p: NeuronProof): unknown[] {
  return [p.epoch, fromHex(p.root), p.entries, fromHex(p.secretHash), p.block];
}

/** A subnet with its neurons given as `neurons` (full arrays, or neuron hashes for the root). */
export function subnetArray(s: Subnet, neurons: unknown[]): unknown[] {
  return [
    s.netuid,
    fromHex(s.owner),
    fromHex(s.ownerHotkey),
    s.taskType,
    s.createdAt,
    s.locked,
    subnetParamsObject(s.params),
    s.burn,
    s.lastRegistrationBlock,
    s.registrationsInBlock,
    s.pending,
    s.lastEpochBlock,
    s.epochCount,
    neurons,
    s.model === null ? null : modelArray(s.model),
  ];
}

function hex(v: unknown): Hex {
  return toHex(v as Uint8Array);
}
function num(v: unknown): number {
  return v as number;
}

function neuronFrom(a: unknown[]): Neuron {
  const axon = a[15] as [string[], number] | null;
  return {
    uid: num(a[0]),
    hotkey: hex(a[1]),
    coldkey: hex(a[2]),
    registeredAt: num(a[3]),
    lastUpdate: num(a[4]),
    validatorPermit: a[5] as boolean,
    active: a[6] as boolean,
    rank: num(a[7]),
    trust: num(a[8]),
    consensus: num(a[9]),
    incentive: num(a[10]),
    dividends: num(a[11]),
    validatorTrust: num(a[12]),
    pruningScore: num(a[13]),
    emission: big(a[14]),
    axon: axon === null ? null : { addrs: axon[0], block: axon[1] },
    weights: (a[16] as [number, number][]).map(([u, w]) => [u, w] as const),
    bonds: (a[17] as [number, number][]).map(([u, w]) => [u, w] as const),
    commits: (a[18] as [Uint8Array, number, number][]).map(([h, block, epoch]) => ({
      hash: toHex(h),
      block,
      epoch,
    })),
    proof: a[19] === null ? null : proofFrom(a[19] as unknown[]),
  };
}

function proofFrom(a: unknown[]): NeuronProof {
  return {
    epoch: num(a[0]),
    root: hex(a[1]),
    entries: num(a[2]),
    secretHash: hex(a[3]),
    block: num(a[4]),
  };
}

function modelFrom(a: unknown[]): SubnetModel {
  return {
    catalogId: a[0] as string,
    sha256: hex(a[1]),
    sizeBytes: num(a[2]),
    protocolVersion: num(a[3]),
    decoding: a[4] as SubnetModel['decoding'],
    maxTokens: num(a[5]),
    contextSize: num(a[6]),
    tauMilli: num(a[7]),
    maxViolations: num(a[8]),
  };
}

function subnetFrom(a: unknown[]): Subnet {
  return {
    netuid: num(a[0]),
    owner: hex(a[1]),
    ownerHotkey: hex(a[2]),
    taskType: a[3] as string,
    model: a[14] === null ? null : modelFrom(a[14] as unknown[]),
    createdAt: num(a[4]),
    locked: big(a[5]),
    params: subnetParamsFrom(a[6] as Record<string, unknown>),
    burn: big(a[7]),
    lastRegistrationBlock: num(a[8]),
    registrationsInBlock: num(a[9]),
    pending: big(a[10]),
    lastEpochBlock: num(a[11]),
    epochCount: num(a[12]),
    neurons: (a[13] as unknown[][]).map(neuronFrom),
  };
}

// -- governance --

function actionArray(a: ProposalAction): unknown[] {
  if (a.kind === 'param') return ['param', a.param, a.netuid, a.value];
  if (a.kind === 'upgrade') return ['upgrade', a.version, a.activationHeight];
  if (a.kind === 'subnet_model') return ['subnet_model', a.netuid, modelArray(a.model)];
  return ['text'];
}

function actionFrom(a: unknown[]): ProposalAction {
  if (a[0] === 'param') {
    return {
      kind: 'param',
      param: a[1] as string,
      netuid: a[2] === null ? null : num(a[2]),
      value: big(a[3]),
    };
  }
  if (a[0] === 'upgrade') {
    return { kind: 'upgrade', version: a[1] as string, activationHeight: num(a[2]) };
  }
  if (a[0] === 'subnet_model') {
    return { kind: 'subnet_model', netuid: num(a[1]), model: modelFrom(a[2] as unknown[]) };
  }
  return { kind: 'text' };
}

export function proposalArray(p: Proposal): unknown[] {
  const t = p.tally;
  return [
    p.id,
    fromHex(p.proposer),
    actionArray(p.action),
    p.title,
    p.description,
    p.deposit,
    p.createdAt,
    p.endHeight,
    p.quorum,
    p.votingPeriod,
    p.status,
    t === null
      ? null
      : [t.yes, t.no, t.abstain, t.turnout, t.totalStake, t.quorumReached, t.voters],
    p.enactHeight,
    p.enactedAt,
    p.oldValue,
  ];
}

function proposalFrom(a: unknown[]): Proposal {
  const t = a[11] as unknown[] | null;
  const tally: ProposalTally | null =
    t === null
      ? null
      : {
          yes: big(t[0]),
          no: big(t[1]),
          abstain: big(t[2]),
          turnout: big(t[3]),
          totalStake: big(t[4]),
          quorumReached: t[5] as boolean,
          voters: num(t[6]),
        };
  return {
    id: num(a[0]),
    proposer: hex(a[1]),
    action: actionFrom(a[2] as unknown[]),
    title: a[3] as string,
    description: a[4] as string,
    deposit: big(a[5]),
    createdAt: num(a[6]),
    endHeight: num(a[7]),
    quorum: num(a[8]),
    votingPeriod: num(a[9]),
    status: a[10] as ProposalStatus,
    tally,
    enactHeight: a[12] === null ? null : num(a[12]),
    enactedAt: a[13] === null ? null : num(a[13]),
    oldValue: a[14] === null ? null : big(a[14]),
  };
}

export function voteArray(v: Vote): unknown[] {
  return [v.proposal, fromHex(v.voter), v.choice, v.conviction, v.locked, v.lockUntil, v.block];
}

function voteFrom(a: unknown[]): Vote {
  return {
    proposal: num(a[0]),
    voter: hex(a[1]),
    choice: a[2] as VoteChoice,
    conviction: num(a[3]),
    locked: big(a[4]),
    lockUntil: num(a[5]),
    block: num(a[6]),
  };
}

export function locksArray(l: VoteLocks): unknown[] {
  return l.entries.map(([id, amount, until]) => [id, amount, until]);
}

function locksFrom(a: unknown[]): VoteLocks {
  return {
    entries: (a as unknown[][]).map(
      ([id, amount, until]) => [num(id), big(amount), num(until)] as const,
    ),
  };
}

export function governanceMetaArray(g: GovernanceMeta): unknown[] {
  return [g.nextProposalId, [...g.open], [...g.queued]];
}

function governanceMetaFrom(a: unknown[]): GovernanceMeta {
  return {
    nextProposalId: num(a[0]),
    open: (a[1] as unknown[]).map(num),
    queued: (a[2] as unknown[]).map(num),
  };
}

export const EMPTY_GOVERNANCE: GovernanceMeta = Object.freeze({
  nextProposalId: 0,
  open: [],
  queued: [],
});

// v3: subnet models and validators' proof commitments (older snapshots are rebuilt by replay).
// v4: the consensus validator sets and the slash records.
const SNAPSHOT_TAG = 'noesis/state-snapshot/4';

/** The whole state as bytes (snapshots). Cost: linear in the state; ~1 s per million accounts. */
export function encodeState(state: ChainState): Uint8Array {
  return encodeCanonical([
    SNAPSHOT_TAG,
    state.chainId,
    fromHex(state.genesisHash),
    state.height,
    fromHex(state.lastBlockHash),
    state.lastBlockTime,
    state.totalIssuance,
    state.totalRecycled,
    state.lastLockCost,
    state.lastLockBlock,
    paramsObject(state.params),
    state.validators.map((v) => [fromHex(v.key), fromHex(v.hotkey)]),
    [...state.accounts.entries()].map(([k, a]) => [fromHex(k), a.free, a.nonce]),
    [...state.hotkeys.entries()].map(([k, h]) => [fromHex(k), ...hotkeyArray(h)]),
    [...state.subnets.entries()].map(([, s]) => subnetArray(s, s.neurons.map(neuronArray))),
    governanceMetaArray(state.governance),
    [...state.proposals.entries()].map(([, p]) => proposalArray(p)),
    [...state.votes.entries()].map(([, v]) => voteArray(v)),
    [...state.locks.entries()].map(([k, l]) => [fromHex(k), locksArray(l)]),
    validatorSetsArray(state.validatorSets),
    state.slashes.map(slashArray),
  ]);
}

export function decodeState(bytes: Uint8Array): ChainState {
  const a = decode(bytes, { useMaps: false }) as unknown[];
  if (a[0] !== SNAPSHOT_TAG) throw new Error('not a Noesis state snapshot');
  const accounts = (a[12] as unknown[][]).map(
    ([k, free, nonce]) => [hex(k), { free: big(free), nonce: num(nonce) }] as [string, Account],
  );
  const hotkeys = (a[13] as unknown[][]).map(
    ([k, owner, take, lti, total, stakes]) =>
      [
        hex(k),
        {
          owner: hex(owner),
          take: num(take),
          lastTakeIncrease: num(lti),
          totalStake: big(total),
          stakes: (stakes as [Uint8Array, unknown][]).map(([c, v]) => [toHex(c), big(v)] as const),
        },
      ] as [string, HotkeyRecord],
  );
  const subnets = (a[14] as unknown[][]).map((s) => {
    const subnet = subnetFrom(s);
    return [netuidKey(subnet.netuid), subnet] as [string, Subnet];
  });
  return {
    chainId: a[1] as string,
    genesisHash: hex(a[2]),
    height: num(a[3]),
    lastBlockHash: hex(a[4]),
    lastBlockTime: num(a[5]),
    totalIssuance: big(a[6]),
    totalRecycled: big(a[7]),
    lastLockCost: big(a[8]),
    lastLockBlock: num(a[9]),
    params: paramsFrom(a[10] as Record<string, unknown>),
    validators: (a[11] as Uint8Array[][]).map(
      ([key, hotkey]) =>
        ({ key: toHex(key as Uint8Array), hotkey: toHex(hotkey as Uint8Array) }) as Validator,
    ),
    accounts: CowMap.from(accounts),
    hotkeys: CowMap.from(hotkeys),
    subnets: CowMap.from(subnets),
    governance: governanceMetaFrom(a[15] as unknown[]),
    proposals: CowMap.from(
      (a[16] as unknown[][]).map((p) => {
        const proposal = proposalFrom(p);
        return [proposalKey(proposal.id), proposal] as [string, Proposal];
      }),
    ),
    votes: CowMap.from(
      (a[17] as unknown[][]).map((x) => {
        const v = voteFrom(x);
        return [voteKey(v.voter, v.proposal), v] as [string, Vote];
      }),
    ),
    locks: CowMap.from(
      (a[18] as unknown[][]).map(
        ([k, l]) => [hex(k), locksFrom(l as unknown[])] as [string, VoteLocks],
      ),
    ),
    validatorSets: validatorSetsFrom(a[19] as unknown[]),
    slashes: (a[20] as unknown[][]).map(slashFrom),
  };
}

/** [last, next], each [[key(b32), power, priority], ...] (ascending by key). */
export function validatorSetsArray(sets: ValidatorSets): unknown[] {
  const one = (set: ValidatorSet) =>
    set.validators.map((v) => [fromHex(v.key), v.power, v.priority]);
  return [one(sets.last), one(sets.next)];
}

function validatorSetsFrom(a: unknown[]): ValidatorSets {
  const one = (x: unknown[][]): ValidatorSet => {
    const validators = x.map(([k, p, q]) => ({ key: hex(k), power: big(p), priority: big(q) }));
    let totalPower = 0n;
    for (const v of validators) totalPower += v.power;
    return { validators, totalPower };
  };
  return { last: one(a[0] as unknown[][]), next: one(a[1] as unknown[][]) };
}

export function slashArray(r: SlashRecord): unknown[] {
  return [
    fromHex(r.evidence),
    fromHex(r.validator),
    fromHex(r.hotkey),
    r.offenceHeight,
    r.height,
    r.amount,
    r.removed,
  ];
}

function slashFrom(a: unknown[]): SlashRecord {
  return {
    evidence: hex(a[0]),
    validator: hex(a[1]),
    hotkey: hex(a[2]),
    offenceHeight: num(a[3]),
    height: num(a[4]),
    amount: big(a[5]),
    removed: a[6] === true,
  };
}
