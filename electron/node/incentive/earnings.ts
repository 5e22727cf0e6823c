/**
 * Earnings, explained: read-side computations over the chain's stored epochs and payouts (the
 * chain's queries and index, never its SQL) for the API, the CLI and the Earnings page.
 *
 *  - summary: per key of a wallet, what was paid per role (incentive as a miner, dividends as a
 *    validator, delegation as a coldkey, owner cut), what is pending until the next epoch, and a
 *    code saying why a figure is zero;
 *  - series: per-epoch points of one key (earned, cumulative, rank, trust, incentive, dividends)
 *    over a time range measured back from the latest block's time (the chain's own clock);
 *  - apy: per validator of a subnet, the delegators' estimated yearly return from its recent
 *    epochs, with the formula and its inputs;
 *  - metagraph / subnets: the chain's metagraph with the caller's own neurons marked.
 *
 * Money is bigint rao throughout and leaves as decimal strings; only ratios (rank, trust, rates)
 * are numbers. docs/earnings.md says what each number means.
 */
import {
  keyOf,
  addressOf,
  type ChainQueries,
  type MetagraphView,
  type NeuronView,
} from '../chain/queries.ts';
import type { Hex } from '../chain/crypto.ts';
import type { EpochRow, PayoutRow } from '../chain/store/state-db.ts';
import { netuidKey, type Neuron, type Subnet } from '../chain/types.ts';

const U16 = 65535;
const p16 = (v: number) => Math.round((v / U16) * 1e6) / 1e6;

export type EarningsRange = '24h' | '7d' | '30d' | 'all';
export const EARNINGS_RANGES: readonly EarningsRange[] = ['24h', '7d', '30d', 'all'];
const RANGE_MS: Record<EarningsRange, number | null> = {
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
  all: null,
};

/** Why a figure is zero, as a code the UI turns into plain words. */
export const ZeroReason = {
  /** The hotkey holds no uid on any subnet. */
  NOT_REGISTERED: 'NOT_REGISTERED',
  /** Registered (or staked), but no epoch has run since: nothing could be paid yet. */
  NO_EPOCH_YET: 'NO_EPOCH_YET',
  /** Epochs ran, but no validator has put weight on this miner (or not enough to pass consensus). */
  NO_WEIGHTS_YET: 'NO_WEIGHTS_YET',
  /** The neuron was inactive at the last epoch (no weights set within the activity cutoff). */
  INACTIVE: 'INACTIVE',
  /** The hotkey has no validator permit on any subnet it is registered on. */
  NO_VALIDATOR_PERMIT: 'NO_VALIDATOR_PERMIT',
  /** Nothing is staked: on the hotkey (validator) or by the coldkey on others' hotkeys (delegation). */
  NO_STAKE: 'NO_STAKE',
  /** A validator that has set no weights: it holds no bonds, so it earns no dividends. */
  NO_WEIGHTS_SET: 'NO_WEIGHTS_SET',
  /** A validator whose weights have not built bonds with paid miners yet. */
  NO_BONDS_YET: 'NO_BONDS_YET',
  /** The coldkey owns no subnet, so it receives no owner cut. */
  NOT_SUBNET_OWNER: 'NOT_SUBNET_OWNER',
} as const;
export type ZeroReasonCode = (typeof ZeroReason)[keyof typeof ZeroReason];

export interface Figure {
  /** Rao paid in total (all time), decimal string. */
  paid: string;
  /** Rao paid at the latest epoch that paid anything for this key, or "0". */
  lastEpoch: string;
  /** Null when `paid` is above zero. */
  zeroReason: ZeroReasonCode | null;
}

export interface SubnetPlace {
  netuid: number;
  uid: number;
  validatorPermit: boolean;
  active: boolean;
  rank: number;
  trust: number;
  incentive: number;
  dividends: number;
  stake: string;
  /** Blocks until this subnet's next epoch, and its block. */
  nextEpochBlock: number;
  /**
   * Estimated share of the subnet's pending emission this uid would get if the next epoch
   * repeated the last one: pending × (1 − owner cut) × last emission of the uid / last emission
   * of all uids. Rao, an estimate ("scheduled"), not a payment.
   */
  estimatedPending: string;
}

export interface HotkeySummary {
  name: string;
  address: string;
  subnets: SubnetPlace[];
  incentive: Figure;
  /** Validator dividends paid through this hotkey, take and delegators' shares included. */
  dividends: Figure;
  estimatedPending: string;
}

export interface ColdkeySummary {
  address: string;
  incentive: Figure;
  /** Dividends (and take) from hotkeys this coldkey owns: validating with its own keys. */
  validating: Figure;
  /** Dividends from stake on hotkeys owned by others. */
  delegation: Figure;
  ownerCut: Figure;
  /** Everything paid to the coldkey: the wallet's real earnings. */
  total: string;
  staked: string;
  delegations: Array<{ hotkey: string; amount: string }>;
}

export interface EarningsSummary {
  wallet: string;
  block: number;
  /** ms since the Unix epoch of the latest block. */
  time: number;
  coldkey: ColdkeySummary;
  hotkeys: HotkeySummary[];
}

export interface SeriesPoint {
  block: number;
  /** ms since the Unix epoch; null if the block's time is not indexed. */
  time: number | null;
  netuid: number;
  /** Rao paid to the key at this epoch. */
  earned: string;
  /** Rao paid since the start of the range, this epoch included. */
  cumulative: string;
  /** Per payout kind (incentive, dividend, take, owner_cut), rao. */
  byKind: Record<string, string>;
  /** Yuma's results for the hotkey (for a coldkey: its own neuron with the best rank), 0..1. */
  rank: number | null;
  trust: number | null;
  incentive: number | null;
  dividends: number | null;
}

export interface EarningsSeries {
  address: string;
  role: 'hotkey' | 'coldkey';
  range: EarningsRange;
  fromBlock: number;
  toBlock: number;
  /** Reference time of the range (the latest block's time). */
  now: number;
  /** Rao paid in the range. */
  total: string;
  /** True when more points existed than `maxPoints` and neighbours were merged. */
  merged: boolean;
  points: SeriesPoint[];
}

export interface ValidatorApy {
  uid: number;
  hotkey: string;
  /** Current take, 0..1. */
  take: number;
  stake: string;
  /** Epochs the estimate uses (the subnet's latest `epochs` with a stake on this uid). */
  epochs: number;
  /** Rao paid to the hotkey's stakers pro rata (kind "dividend") over those epochs. */
  delegatorDividends: string;
  /** Sum of the hotkey's stake at each of those epochs, rao. */
  stakeSum: string;
  /** r = delegatorDividends / stakeSum: the mean return of one staked rao per epoch. */
  ratePerEpoch: number;
  /** Simple yearly rate r × n, and compounded (1 + r)^n − 1 (dividends are staked, so compound). */
  apr: number;
  /** Null when it is too large to be a number (very short epochs on a test network). */
  apy: number | null;
  /** Null when no estimate is possible; a code the UI explains. */
  zeroReason: ZeroReasonCode | null;
}

export interface ApyView {
  netuid: number;
  block: number;
  formula: string;
  /** Mean time between the epochs used (ms), and n = one year / that. */
  epochMs: number;
  epochsPerYear: number;
  /** Where epochMs came from: measured block times, or tempo × target block interval. */
  epochMsSource: 'measured' | 'tempo';
  validators: ValidatorApy[];
}

export interface MetagraphNeuron extends NeuronView {
  /** The hotkey or its owner coldkey belongs to the given wallet. */
  mine: boolean;
  /** Validator take of the hotkey, 0..1. */
  take: number;
}

export type MetagraphWithOwn = Omit<MetagraphView, 'neurons'> & { neurons: MetagraphNeuron[] };

export interface SubnetSummary {
  netuid: number;
  taskType: string;
  n: number;
  maxUids: number;
  tempo: number;
  lastEpochBlock: number;
  nextEpochBlock: number;
  pending: string;
  burn: string;
  owner: string;
}

/** The public keys of a wallet, as the wallet service lists them. */
export interface WalletKeys {
  name: string;
  coldkey: { address: string };
  hotkeys: Array<{ name: string; address: string }>;
}

const APY_FORMULA =
  'APY = (1 + r)^n − 1, r = Σ dividends paid to stakers / Σ stake at those epochs, n = 365.25 days / mean epoch time';

function sum(rows: readonly PayoutRow[], pick: (p: PayoutRow) => boolean = () => true): bigint {
  let t = 0n;
  for (const p of rows) if (pick(p)) t += p.amount;
  return t;
}

function lastEpochPaid(rows: readonly PayoutRow[], pick: (p: PayoutRow) => boolean): bigint {
  let block = -1;
  for (const p of rows) if (pick(p) && p.amount > 0n) block = Math.max(block, p.block);
  return block < 0 ? 0n : sum(rows, (p) => p.block === block && pick(p));
}

function figure(
  rows: readonly PayoutRow[],
  pick: (p: PayoutRow) => boolean,
  reason: () => ZeroReasonCode | null,
): Figure {
  const paid = sum(rows, pick);
  return {
    paid: paid.toString(),
    lastEpoch: lastEpochPaid(rows, pick).toString(),
    zeroReason: paid > 0n ? null : reason(),
  };
}

function subnets(q: ChainQueries): Subnet[] {
  return [...q.state.subnets.entries()].map(([, s]) => s).sort((a, b) => a.netuid - b.netuid);
}

function placesOf(q: ChainQueries, hotkey: Hex): Array<{ subnet: Subnet; neuron: Neuron }> {
  const out: Array<{ subnet: Subnet; neuron: Neuron }> = [];
  for (const s of subnets(q)) {
    const n = s.neurons.find((x) => x.hotkey === hotkey);
    if (n !== undefined) out.push({ subnet: s, neuron: n });
  }
  return out;
}

function estimatedPending(q: ChainQueries, s: Subnet, n: Neuron): bigint {
  let all = 0n;
  for (const x of s.neurons) all += x.emission;
  if (all === 0n) return 0n;
  const afterCut = s.pending - (s.pending * BigInt(q.state.params.subnetOwnerCut)) / BigInt(U16);
  return (afterCut * n.emission) / all;
}

function stakeOf(q: ChainQueries, hotkey: Hex): bigint {
  return q.state.hotkeys.get(hotkey)?.totalStake ?? 0n;
}

/** No epoch has run on the subnet since the neuron joined it. */
function noEpochSince(subnet: Subnet, neuron: Neuron): boolean {
  return subnet.epochCount === 0 || subnet.lastEpochBlock < neuron.registeredAt;
}

/** Why a miner's incentive is zero. */
function minerReason(q: ChainQueries, hotkey: Hex): ZeroReasonCode {
  const places = placesOf(q, hotkey);
  if (places.length === 0) return ZeroReason.NOT_REGISTERED;
  if (places.every(({ subnet, neuron }) => noEpochSince(subnet, neuron)))
    return ZeroReason.NO_EPOCH_YET;
  if (places.every(({ neuron }) => !neuron.active)) return ZeroReason.INACTIVE;
  return ZeroReason.NO_WEIGHTS_YET;
}

/** Why a validator's dividends are zero. */
function validatorReason(q: ChainQueries, hotkey: Hex): ZeroReasonCode {
  const places = placesOf(q, hotkey);
  if (places.length === 0) return ZeroReason.NOT_REGISTERED;
  if (places.every(({ neuron }) => !neuron.validatorPermit)) {
    return places.every(({ subnet, neuron }) => noEpochSince(subnet, neuron))
      ? ZeroReason.NO_EPOCH_YET
      : ZeroReason.NO_VALIDATOR_PERMIT;
  }
  if (stakeOf(q, hotkey) === 0n) return ZeroReason.NO_STAKE;
  if (places.every(({ subnet, neuron }) => noEpochSince(subnet, neuron)))
    return ZeroReason.NO_EPOCH_YET;
  if (places.every(({ neuron }) => !neuron.active)) return ZeroReason.INACTIVE;
  if (places.every(({ neuron }) => neuron.weights.length === 0)) return ZeroReason.NO_WEIGHTS_SET;
  return ZeroReason.NO_BONDS_YET;
}

const ALL = [0, Number.MAX_SAFE_INTEGER] as const;

export function earningsSummary(q: ChainQueries, wallet: WalletKeys): EarningsSummary {
  const db = q.store.db;
  const cold = keyOf(wallet.coldkey.address);
  const coldRows = db.payouts({ coldkey: cold }, ...ALL);
  const owned = (hk: Hex) => q.state.hotkeys.get(hk)?.owner === cold;
  const stakes = db.stakesOfColdkey(cold);
  const delegated = stakes.filter((s) => !owned(s.hotkey));
  let staked = 0n;
  for (const s of stakes) staked += s.amount;

  const coldkey: ColdkeySummary = {
    address: addressOf(cold),
    incentive: figure(
      coldRows,
      (p) => p.kind === 'incentive',
      () => {
        const hks = wallet.hotkeys.map((h) => keyOf(h.address));
        if (hks.every((hk) => placesOf(q, hk).length === 0)) return ZeroReason.NOT_REGISTERED;
        return (
          hks.map((hk) => minerReason(q, hk)).sort(reasonOrder)[0] ?? ZeroReason.NOT_REGISTERED
        );
      },
    ),
    validating: figure(
      coldRows,
      (p) => (p.kind === 'dividend' || p.kind === 'take') && owned(p.hotkey),
      () => {
        const hks = wallet.hotkeys.map((h) => keyOf(h.address));
        return (
          hks.map((hk) => validatorReason(q, hk)).sort(reasonOrder)[0] ?? ZeroReason.NOT_REGISTERED
        );
      },
    ),
    delegation: figure(
      coldRows,
      (p) => p.kind === 'dividend' && !owned(p.hotkey),
      () => {
        if (delegated.length === 0) return ZeroReason.NO_STAKE;
        return ZeroReason.NO_EPOCH_YET;
      },
    ),
    ownerCut: figure(
      coldRows,
      (p) => p.kind === 'owner_cut',
      () =>
        subnets(q).some((s) => s.owner === cold)
          ? ZeroReason.NO_EPOCH_YET
          : ZeroReason.NOT_SUBNET_OWNER,
    ),
    total: sum(coldRows).toString(),
    staked: staked.toString(),
    delegations: delegated.map((s) => ({
      hotkey: addressOf(s.hotkey),
      amount: s.amount.toString(),
    })),
  };

  const hotkeys: HotkeySummary[] = wallet.hotkeys.map((h) => {
    const hk = keyOf(h.address);
    const rows = db.payouts({ hotkey: hk }, ...ALL);
    let pending = 0n;
    const places: SubnetPlace[] = placesOf(q, hk).map(({ subnet, neuron }) => {
      const est = estimatedPending(q, subnet, neuron);
      pending += est;
      return {
        netuid: subnet.netuid,
        uid: neuron.uid,
        validatorPermit: neuron.validatorPermit,
        active: neuron.active,
        rank: p16(neuron.rank),
        trust: p16(neuron.trust),
        incentive: p16(neuron.incentive),
        dividends: p16(neuron.dividends),
        stake: stakeOf(q, hk).toString(),
        nextEpochBlock: subnet.lastEpochBlock + subnet.params.tempo,
        estimatedPending: est.toString(),
      };
    });
    return {
      name: h.name,
      address: addressOf(hk),
      subnets: places,
      incentive: figure(
        rows,
        (p) => p.kind === 'incentive',
        () => minerReason(q, hk),
      ),
      dividends: figure(
        rows,
        (p) => p.kind === 'dividend' || p.kind === 'take',
        () => validatorReason(q, hk),
      ),
      estimatedPending: pending.toString(),
    };
  });

  return {
    wallet: wallet.name,
    block: q.state.height,
    time: q.state.lastBlockTime,
    coldkey,
    hotkeys,
  };
}

/** Most telling first: a key that is not registered at all explains more than one that waits. */
const REASON_ORDER: ZeroReasonCode[] = [
  ZeroReason.NO_EPOCH_YET,
  ZeroReason.NO_WEIGHTS_YET,
  ZeroReason.INACTIVE,
  ZeroReason.NO_WEIGHTS_SET,
  ZeroReason.NO_BONDS_YET,
  ZeroReason.NO_STAKE,
  ZeroReason.NO_VALIDATOR_PERMIT,
  ZeroReason.NOT_SUBNET_OWNER,
  ZeroReason.NOT_REGISTERED,
];
function reasonOrder(a: ZeroReasonCode, b: ZeroReasonCode): number {
  return REASON_ORDER.indexOf(a) - REASON_ORDER.indexOf(b);
}

/** The block range of a named time range, measured back from the latest block's time. */
export function rangeBlocks(
  q: ChainQueries,
  range: EarningsRange,
): { fromBlock: number; toBlock: number; now: number } {
  const now = q.state.lastBlockTime;
  const toBlock = q.state.height;
  const span = RANGE_MS[range];
  if (span === null) return { fromBlock: 0, toBlock, now };
  const first = q.store.db.firstBlockAtOrAfter(now - span);
  return { fromBlock: first ?? toBlock + 1, toBlock, now };
}

export function earningsSeries(
  q: ChainQueries,
  input: {
    address: string;
    role: 'hotkey' | 'coldkey';
    range: EarningsRange;
    netuid?: number | undefined;
    maxPoints?: number | undefined;
  },
): EarningsSeries {
  const db = q.store.db;
  const key = keyOf(input.address);
  const { fromBlock, toBlock, now } = rangeBlocks(q, input.range);
  const sel = input.role === 'hotkey' ? { hotkey: key } : { coldkey: key };
  const want = (netuid: number) => input.netuid === undefined || input.netuid === netuid;
  let payouts = db.payouts(sel, fromBlock, toBlock).filter((p) => want(p.netuid));
  if (input.role === 'hotkey') {
    // A hotkey's own earnings: incentive, and the validator dividends paid through it.
    payouts = payouts.filter((p) => p.kind !== 'owner_cut');
  }
  // Epoch rows: the hotkey's own; for a coldkey, its neurons' and those of hotkeys it stakes on.
  const epochRows: EpochRow[] = db.epochs(sel, fromBlock, toBlock).filter((e) => want(e.netuid));
  if (input.role === 'coldkey') {
    for (const s of db.stakesOfColdkey(key)) {
      if (q.state.hotkeys.get(s.hotkey)?.owner === key) continue;
      epochRows.push(
        ...db.epochs({ hotkey: s.hotkey }, fromBlock, toBlock).filter((e) => want(e.netuid)),
      );
    }
  }
  type Acc = { block: number; netuid: number; byKind: Map<string, bigint>; epoch: EpochRow | null };
  const points = new Map<string, Acc>();
  const at = (block: number, netuid: number): Acc => {
    const k = `${block}:${netuid}`;
    let a = points.get(k);
    if (a === undefined) {
      a = { block, netuid, byKind: new Map(), epoch: null };
      points.set(k, a);
    }
    return a;
  };
  for (const e of epochRows) {
    const a = at(e.block, e.netuid);
    const own = input.role === 'hotkey' ? e.hotkey === key : e.coldkey === key;
    if (own && (a.epoch === null || e.rank > a.epoch.rank)) a.epoch = e;
  }
  for (const p of payouts) {
    const a = at(p.block, p.netuid);
    a.byKind.set(p.kind, (a.byKind.get(p.kind) ?? 0n) + p.amount);
  }
  const ordered = [...points.values()].sort((a, b) => a.block - b.block || a.netuid - b.netuid);
  const times = db.blockTimes([...new Set(ordered.map((a) => a.block))]);
  let cumulative = 0n;
  let out: SeriesPoint[] = ordered.map((a) => {
    let earned = 0n;
    const byKind: Record<string, string> = {};
    for (const [k, v] of a.byKind) {
      earned += v;
      byKind[k] = v.toString();
    }
    cumulative += earned;
    return {
      block: a.block,
      time: times.get(a.block) ?? null,
      netuid: a.netuid,
      earned: earned.toString(),
      cumulative: cumulative.toString(),
      byKind,
      rank: a.epoch ? p16(a.epoch.rank) : null,
      trust: a.epoch ? p16(a.epoch.trust) : null,
      incentive: a.epoch ? p16(a.epoch.incentive) : null,
      dividends: a.epoch ? p16(a.epoch.dividends) : null,
    };
  });
  const max = input.maxPoints ?? 1000;
  const merged = out.length > max;
  if (merged) out = mergePoints(out, max);
  return {
    address: addressOf(key),
    role: input.role,
    range: input.range,
    fromBlock,
    toBlock,
    now,
    total: cumulative.toString(),
    merged,
    points: out,
  };
}

/** Merges neighbours into `max` buckets: sums earned, keeps the last cumulative and results. */
export function mergePoints(points: readonly SeriesPoint[], max: number): SeriesPoint[] {
  const size = Math.ceil(points.length / max);
  const out: SeriesPoint[] = [];
  for (let i = 0; i < points.length; i += size) {
    const group = points.slice(i, i + size);
    const last = group[group.length - 1] as SeriesPoint;
    let earned = 0n;
    const byKind: Record<string, bigint> = {};
    for (const p of group) {
      earned += BigInt(p.earned);
      for (const [k, v] of Object.entries(p.byKind)) byKind[k] = (byKind[k] ?? 0n) + BigInt(v);
    }
    out.push({
      ...last,
      earned: earned.toString(),
      byKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v.toString()])),
    });
  }
  return out;
}

const YEAR_MS = 365.25 * 24 * 3600_000;

export function validatorApy(
  q: ChainQueries,
  netuid: number,
  epochs = 20,
  targetBlockMs?: number,
): ApyView {
  const s = q.state.subnets.get(netuidKey(netuid));
  if (s === undefined) q.metagraph(netuid); // throws UNKNOWN_SUBNET
  const subnet = s as Subnet;
  const db = q.store.db;
  const blocks = db.epochBlocks(netuid, epochs);
  const from = blocks[0] ?? Number.MAX_SAFE_INTEGER;
  const to = blocks[blocks.length - 1] ?? 0;
  const rows = blocks.length ? db.subnetEpochs(netuid, from, to) : [];
  const pays = blocks.length ? db.subnetPayouts(netuid, from, to) : [];
  const times = db.blockTimes(blocks);
  const firstT = times.get(from);
  const lastT = times.get(to);
  const measured =
    blocks.length >= 2 && firstT !== undefined && lastT !== undefined && lastT > firstT;
  const epochMs = measured
    ? (lastT - firstT) / (blocks.length - 1)
    : subnet.params.tempo * (targetBlockMs ?? q.state.params.blockIntervalMs);
  const n = YEAR_MS / epochMs;
  const validators: ValidatorApy[] = [];
  for (const neuron of subnet.neurons) {
    const mine = rows.filter((r) => r.hotkey === neuron.hotkey && r.stake > 0n);
    const everPermitted = neuron.validatorPermit || mine.some((r) => r.validatorPermit);
    if (!everPermitted) continue;
    const epochSet = new Set(mine.map((r) => r.block));
    let stakeSum = 0n;
    for (const r of mine) stakeSum += r.stake;
    const divs = sum(
      pays,
      (p) => p.hotkey === neuron.hotkey && p.kind === 'dividend' && epochSet.has(p.block),
    );
    // Ratio of two bigints as a number, exact to ~15 digits without overflowing a double.
    const r = stakeSum === 0n ? 0 : Number((divs * 10n ** 18n) / stakeSum) / 1e18;
    const apy = Math.expm1(n * Math.log1p(r));
    const rec = q.state.hotkeys.get(neuron.hotkey);
    let zeroReason: ZeroReasonCode | null = null;
    if (mine.length === 0)
      zeroReason = stakeOf(q, neuron.hotkey) === 0n ? ZeroReason.NO_STAKE : ZeroReason.NO_EPOCH_YET;
    else if (divs === 0n) zeroReason = ZeroReason.NO_WEIGHTS_YET;
    validators.push({
      uid: neuron.uid,
      hotkey: addressOf(neuron.hotkey),
      take: Math.round(((rec?.take ?? 0) / U16) * 1e6) / 1e6,
      stake: stakeOf(q, neuron.hotkey).toString(),
      epochs: mine.length,
      delegatorDividends: divs.toString(),
      stakeSum: stakeSum.toString(),
      ratePerEpoch: r,
      apr: r * n,
      apy: Number.isFinite(apy) ? apy : null,
      zeroReason,
    });
  }
  return {
    netuid,
    block: q.state.height,
    formula: APY_FORMULA,
    epochMs,
    epochsPerYear: n,
    epochMsSource: measured ? 'measured' : 'tempo',
    validators,
  };
}

export function metagraphWithOwn(
  q: ChainQueries,
  netuid: number,
  wallet: WalletKeys | null,
): MetagraphWithOwn {
  const m = q.metagraph(netuid);
  const own = new Set<string>();
  if (wallet !== null) {
    own.add(addressOf(keyOf(wallet.coldkey.address)));
    for (const h of wallet.hotkeys) own.add(addressOf(keyOf(h.address)));
  }
  return {
    ...m,
    neurons: m.neurons.map((n) => ({
      ...n,
      mine: own.has(n.hotkey) || own.has(n.coldkey),
      take: Math.round(((q.state.hotkeys.get(keyOf(n.hotkey))?.take ?? 0) / U16) * 1e6) / 1e6,
    })),
  };
}

export function subnetList(q: ChainQueries): SubnetSummary[] {
  return subnets(q).map((s) => ({
    netuid: s.netuid,
    taskType: s.taskType,
    n: s.neurons.length,
    maxUids: s.params.maxUids,
    tempo: s.params.tempo,
    lastEpochBlock: s.lastEpochBlock,
    nextEpochBlock: s.lastEpochBlock + s.params.tempo,
    pending: s.pending.toString(),
    burn: s.burn.toString(),
    owner: addressOf(s.owner),
  }));
}
