/**
 * Read-side views of the chain for the API, the CLI and the UI: JSON-safe (amounts as decimal
 * rao strings, keys as SS58 addresses, proportions as numbers in [0, 1]). Works on any open
 * ChainStore, so the running node and the CLI reading a stopped node's folder answer alike.
 */
import { decodeAddress, encodeAddress } from '../wallet/address.ts';
import { formatTao } from './amount.ts';
import type { Commit, Evidence } from './block.ts';
import { evidenceKey } from '../consensus/evidence.ts';
import { fromHex, hash256, isHex, toHex, type Hex } from './crypto.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import { lockCost } from './registration.ts';
import { stateRoot } from './state-root.ts';
import type { ChainStore } from './store/chain-store.ts';
import type { TxRow } from './store/state-db.ts';
import { txHash, type SignedTx } from './tx.ts';
import {
  netuidKey,
  type ChainState,
  type NeuronProof,
  type Subnet,
  type SubnetModel,
} from './types.ts';

export function addressOf(hex: Hex): string {
  return encodeAddress(fromHex(hex));
}

/** An SS58 address or 64 hex digits → the 32-byte key as hex. */
export function keyOf(address: string): Hex {
  const a = address.trim();
  if (isHex(a.toLowerCase(), 32)) return a.toLowerCase();
  try {
    return Buffer.from(decodeAddress(a)).toString('hex');
  } catch {
    throw chainError(
      ChainErrorCode.BAD_ADDRESS,
      `"${a.slice(0, 64)}" is not an SS58 address or hex key`,
      {
        address: a.slice(0, 64),
      },
    );
  }
}

const p16 = (v: number) => Math.round((v / 65535) * 1e6) / 1e6;

export interface ChainStatusView {
  state: 'stopped' | 'waiting-for-wallet' | 'starting' | 'running' | 'error';
  message: string | null;
  network: 'local' | 'configured' | null;
  chainId: string | null;
  genesisHash: Hex | null;
  height: number;
  stateRoot: Hex | null;
  lastBlockHash: Hex | null;
  /** ms since the Unix epoch, or null before the chain exists. */
  lastBlockTime: number | null;
  producing: boolean;
  validator: Hex | null;
  mempool: number;
  totalIssuance: string;
  blockIntervalMs: number | null;
  /** The smallest fee a transaction may pay, rao (decimal string); null before the chain exists. */
  minFee: string | null;
  /** What creating a subnet would lock in the next block, rao; null before the chain exists. */
  subnetLockCost: string | null;
}

export interface StakeView {
  hotkey: string;
  amount: string;
}

export interface BalanceView {
  address: string;
  publicKey: Hex;
  free: string;
  staked: string;
  nonce: number;
  stakes: StakeView[];
  /** Free balance in TAO (display only). */
  freeTao: string;
  stakedTao: string;
}

export interface TxView {
  hash: Hex;
  status: 'pending' | 'included';
  height: number | null;
  index: number | null;
  kind: string;
  signer: string;
  nonce: number;
  fee: string;
  /** The counterparty (recipient, hotkey) when the kind has one. */
  target: string | null;
  netuid: number | null;
  amount: string | null;
  /** Every field of the transaction (keys as addresses, amounts as strings), when known. */
  body: Record<string, unknown> | null;
}

export interface CommitView {
  height: number;
  round: number;
  blockHash: Hex;
  signatures: Array<{ validator: Hex; signature: Hex }>;
}

export interface BlockView {
  height: number;
  hash: Hex;
  time: number;
  prevHash: Hex;
  txRoot: Hex;
  stateRoot: Hex;
  proposer: Hex;
  lastCommitHash: Hex;
  size: number;
  txCount: number;
  txs: TxView[];
  lastCommit: CommitView | null;
  /** This block's own commit (final): what the next block will carry. */
  commit: CommitView;
  /** Proofs of double signing this block applied, each with what it cost the validator. */
  evidence: EvidenceView[];
}

/** One piece of evidence in a block: two conflicting votes of one validator, and the slash. */
export interface EvidenceView {
  /** Evidence id (hex): one per validator, height, round and vote type. */
  id: Hex;
  /** Consensus key that signed both votes. */
  validator: Hex;
  /** The validator's hotkey (SS58) whose stake was slashed; null if the index lacks it. */
  hotkey: string | null;
  /** Height and round of the two votes. */
  height: number;
  round: number;
  voteType: 'prevote' | 'precommit';
  /** The two different block ids voted for (all zeros: nil). */
  blockHashes: [Hex, Hex];
  /** Rao burned from the hotkey's stake (decimal string); null if the index lacks it. */
  slashed: string | null;
  /** Whether the validator left the validator list (false only for the last one). */
  removed: boolean;
}

export interface NeuronView {
  uid: number;
  hotkey: string;
  coldkey: string;
  stake: string;
  rank: number;
  trust: number;
  consensus: number;
  incentive: number;
  dividends: number;
  validatorTrust: number;
  emission: string;
  validatorPermit: boolean;
  active: boolean;
  lastUpdate: number;
  registeredAt: number;
  addresses: string[];
  /** The latest commit_proof of this uid (validators), or null. */
  proof: NeuronProof | null;
}

export interface MetagraphView {
  netuid: number;
  taskType: string;
  owner: string;
  ownerHotkey: string;
  block: number;
  n: number;
  maxUids: number;
  tempo: number;
  burn: string;
  pending: string;
  lastEpochBlock: number;
  commitReveal: boolean;
  /** The model miners run and the verification rules; null: miners cannot be verified. */
  model: SubnetModel | null;
  neurons: NeuronView[];
}

export interface SubnetView {
  netuid: number;
  owner: string;
  ownerHotkey: string;
  taskType: string;
  model: SubnetModel | null;
  createdAt: number;
  /** TAO locked by its creation, rao. */
  locked: string;
  tempo: number;
  epochCount: number;
  lastEpochBlock: number;
  /** Neurons registered, and the most the subnet holds. */
  neurons: number;
  maxUids: number;
  /** Current registration burn, rao. */
  burn: string;
  /** Height the view was read at. */
  block: number;
}

/**
 * A validator's commit_proof for one epoch of a subnet, found through the index. The secret
 * chain: `reveal` is what this commit revealed (the preimage of the previous commit's
 * secretHash); `nextReveal` is the preimage of this commit's own secretHash, once a later
 * commit of the same hotkey revealed it (null until then, or when the hotkey lost its uid in
 * between and started a new chain).
 */
export interface ProofCommitView {
  hotkey: string;
  netuid: number;
  epoch: number;
  block: number;
  txHash: Hex;
  root: Hex;
  entries: number;
  secretHash: Hex;
  reveal: Hex | null;
  nextReveal: { secret: Hex; epoch: number; block: number; txHash: Hex } | null;
}

export interface EarningsView {
  address: string;
  role: 'hotkey' | 'coldkey';
  fromBlock: number;
  toBlock: number;
  epochs: Array<{
    block: number;
    netuid: number;
    uid: number;
    hotkey: string;
    incentive: number;
    dividends: number;
    consensus: number;
    rank: number;
    trust: number;
    validatorTrust: number;
    emission: string;
    stake: string;
  }>;
  payouts: Array<{
    block: number;
    netuid: number;
    kind: string;
    hotkey: string;
    coldkey: string;
    amount: string;
  }>;
  /** Sum of the payouts in the range, rao. */
  total: string;
}

/** 32-byte fields that are hashes or secrets, not keys: shown as hex, never as addresses. */
const HASH_FIELDS: ReadonlySet<string> = new Set(['commitHash', 'root', 'secretHash', 'reveal']);

export function bodyView(tx: SignedTx): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tx.body)) {
    if (typeof v === 'bigint') out[k] = v.toString();
    else if (typeof v === 'string' && isHex(v, 32) && !HASH_FIELDS.has(k)) out[k] = addressOf(v);
    else out[k] = v;
  }
  return out;
}

export function pendingTxView(tx: SignedTx): TxView {
  const b = tx.body;
  const target =
    b.kind === 'transfer' ? b.to : 'hotkey' in b ? (b as { hotkey: Hex }).hotkey : null;
  return {
    hash: txHash(tx),
    status: 'pending',
    height: null,
    index: null,
    kind: b.kind,
    signer: addressOf(b.signer),
    nonce: b.nonce,
    fee: b.fee.toString(),
    target: target === null ? null : addressOf(target),
    netuid: 'netuid' in b ? (b as { netuid: number }).netuid : null,
    amount: 'amount' in b ? (b as { amount: bigint }).amount.toString() : null,
    body: bodyView(tx),
  };
}

function rowView(r: TxRow, tx: SignedTx | null): TxView {
  return {
    hash: r.hash,
    status: 'included',
    height: r.height,
    index: r.index,
    kind: r.kind,
    signer: addressOf(r.signer),
    nonce: r.nonce,
    fee: r.fee.toString(),
    target: r.target === null ? null : addressOf(r.target),
    netuid: r.netuid,
    amount: r.amount === null ? null : r.amount.toString(),
    body: tx === null ? null : bodyView(tx),
  };
}

function commitView(c: Commit): CommitView {
  return {
    height: c.height,
    round: c.round,
    blockHash: c.blockHash,
    signatures: c.signatures.map((s) => ({ ...s })),
  };
}

export class ChainQueries {
  readonly store: ChainStore;

  constructor(store: ChainStore) {
    this.store = store;
  }

  get state(): ChainState {
    return this.store.state;
  }

  stateRoot(): Hex {
    return stateRoot(this.store.state);
  }

  balance(address: string): BalanceView {
    const key = keyOf(address);
    const account = this.state.accounts.get(key) ?? { free: 0n, nonce: 0 };
    const stakes = this.store.db.stakesOfColdkey(key);
    let staked = 0n;
    for (const s of stakes) staked += s.amount;
    return {
      address: addressOf(key),
      publicKey: key,
      free: account.free.toString(),
      staked: staked.toString(),
      nonce: account.nonce,
      stakes: stakes.map((s) => ({ hotkey: addressOf(s.hotkey), amount: s.amount.toString() })),
      freeTao: formatTao(account.free),
      stakedTao: formatTao(staked),
    };
  }

  async block(ref: number | Hex): Promise<BlockView> {
    const row = this.store.db.block(ref);
    if (row === null) {
      throw chainError(ChainErrorCode.NOT_FOUND, `no block ${String(ref)}`, { ref: String(ref) });
    }
    const { block, hash, commit, size } = await this.store.blockAt(row.height);
    const h = block.header;
    return {
      height: h.height,
      hash,
      time: h.time,
      prevHash: h.prevHash,
      txRoot: h.txRoot,
      stateRoot: h.stateRoot,
      proposer: h.proposer,
      lastCommitHash: h.lastCommitHash,
      size,
      txCount: block.txs.length,
      txs: block.txs.map((tx, i) => ({
        ...pendingTxView(tx),
        status: 'included' as const,
        height: h.height,
        index: i,
      })),
      lastCommit: block.lastCommit === null ? null : commitView(block.lastCommit),
      commit: commitView(commit),
      evidence: this.evidenceViews(h.height, block.evidence),
    };
  }

  private evidenceViews(height: number, evidence: readonly Evidence[]): EvidenceView[] {
    if (evidence.length === 0) return [];
    const slashes = new Map(this.store.db.slashesAt(height).map((r) => [r.evidence, r]));
    return evidence.map((e) => {
      const id = evidenceKey(e);
      const slash = slashes.get(id);
      return {
        id,
        validator: e.a.validator,
        hotkey: slash === undefined ? null : addressOf(slash.hotkey),
        height: e.a.height,
        round: e.a.round,
        voteType: e.a.type,
        blockHashes: [e.a.blockHash, e.b.blockHash],
        slashed: slash === undefined ? null : slash.amount.toString(),
        removed: slash?.removed ?? false,
      };
    });
  }

  async recentBlocks(limit: number, before?: number) {
    return this.store.db.recentBlocks(limit, before);
  }

  async tx(hash: Hex): Promise<TxView> {
    const row = this.store.db.tx(hash.toLowerCase());
    if (row === null)
      throw chainError(ChainErrorCode.NOT_FOUND, `no transaction ${hash}`, { hash });
    const { block } = await this.store.blockAt(row.height);
    return rowView(row, block.txs[row.index] ?? null);
  }

  history(address: string, limit: number, beforeHeight?: number): TxView[] {
    return this.store.db.history(keyOf(address), limit, beforeHeight).map((r) => rowView(r, null));
  }

  private subnetOf(netuid: number): Subnet {
    const s = this.state.subnets.get(netuidKey(netuid));
    if (s === undefined) {
      throw chainError(ChainErrorCode.UNKNOWN_SUBNET, `no subnet ${netuid}`, { netuid });
    }
    return s;
  }

  private subnetView(s: Subnet): SubnetView {
    return {
      netuid: s.netuid,
      owner: addressOf(s.owner),
      ownerHotkey: addressOf(s.ownerHotkey),
      taskType: s.taskType,
      model: s.model === null ? null : { ...s.model },
      createdAt: s.createdAt,
      locked: s.locked.toString(),
      tempo: s.params.tempo,
      epochCount: s.epochCount,
      lastEpochBlock: s.lastEpochBlock,
      neurons: s.neurons.length,
      maxUids: s.params.maxUids,
      burn: s.burn.toString(),
      block: this.state.height,
    };
  }

  /** What create_subnet would lock in the next block, rao (subtensor's lock cost rule). */
  subnetLockCost(): bigint {
    const s = this.state;
    return lockCost(
      s.lastLockCost,
      s.lastLockBlock,
      s.height + 1,
      s.params.minLockCost,
      s.params.lockReductionInterval,
    );
  }

  /** Every subnet, ascending by netuid. */
  subnets(): SubnetView[] {
    return [...this.state.subnets.entries()]
      .map(([, s]) => this.subnetView(s))
      .sort((a, b) => a.netuid - b.netuid);
  }

  subnet(netuid: number): SubnetView {
    return this.subnetView(this.subnetOf(netuid));
  }

  /** A hotkey's commit_proof for a subnet's epoch (from the index), or null. */
  proofCommit(hotkey: string, netuid: number, epoch: number): ProofCommitView | null {
    const key = keyOf(hotkey);
    const row = this.store.db.proof(key, netuid, epoch);
    if (row === null) return null;
    const next = this.store.db.proofAfter(key, netuid, row.block);
    const revealed =
      next !== null &&
      next.reveal !== null &&
      toHex(hash256(fromHex(next.reveal))) === row.secretHash;
    return {
      hotkey: addressOf(row.hotkey),
      netuid: row.netuid,
      epoch: row.epoch,
      block: row.block,
      txHash: row.txHash,
      root: row.root,
      entries: row.entries,
      secretHash: row.secretHash,
      reveal: row.reveal,
      nextReveal: revealed
        ? {
            secret: next.reveal as Hex,
            epoch: next.epoch,
            block: next.block,
            txHash: next.txHash,
          }
        : null,
    };
  }

  metagraph(netuid: number): MetagraphView {
    const s = this.subnetOf(netuid);
    return {
      netuid,
      taskType: s.taskType,
      owner: addressOf(s.owner),
      ownerHotkey: addressOf(s.ownerHotkey),
      block: this.state.height,
      n: s.neurons.length,
      maxUids: s.params.maxUids,
      tempo: s.params.tempo,
      burn: s.burn.toString(),
      pending: s.pending.toString(),
      lastEpochBlock: s.lastEpochBlock,
      commitReveal: s.params.commitReveal,
      model: s.model === null ? null : { ...s.model },
      neurons: s.neurons.map((n) => ({
        uid: n.uid,
        hotkey: addressOf(n.hotkey),
        coldkey: addressOf(n.coldkey),
        stake: (this.state.hotkeys.get(n.hotkey)?.totalStake ?? 0n).toString(),
        rank: p16(n.rank),
        trust: p16(n.trust),
        consensus: p16(n.consensus),
        incentive: p16(n.incentive),
        dividends: p16(n.dividends),
        validatorTrust: p16(n.validatorTrust),
        emission: n.emission.toString(),
        validatorPermit: n.validatorPermit,
        active: n.active,
        lastUpdate: n.lastUpdate,
        registeredAt: n.registeredAt,
        addresses: n.axon === null ? [] : [...n.axon.addrs],
        proof: n.proof === null ? null : { ...n.proof },
      })),
    };
  }

  /** Per-epoch results and payouts of a hotkey or coldkey over [fromBlock, toBlock]. */
  earnings(
    address: string,
    role: 'hotkey' | 'coldkey',
    fromBlock: number,
    toBlock: number,
  ): EarningsView {
    const key = keyOf(address);
    const sel = role === 'hotkey' ? { hotkey: key } : { coldkey: key };
    const epochs = this.store.db.epochs(sel, fromBlock, toBlock);
    const payouts = this.store.db.payouts(sel, fromBlock, toBlock);
    let total = 0n;
    for (const p of payouts) total += p.amount;
    return {
      address: addressOf(key),
      role,
      fromBlock,
      toBlock,
      epochs: epochs.map((e) => ({
        block: e.block,
        netuid: e.netuid,
        uid: e.uid,
        hotkey: addressOf(e.hotkey),
        incentive: p16(e.incentive),
        dividends: p16(e.dividends),
        consensus: p16(e.consensus),
        rank: p16(e.rank),
        trust: p16(e.trust),
        validatorTrust: p16(e.validatorTrust),
        emission: e.emission.toString(),
        stake: e.stake.toString(),
      })),
      payouts: payouts.map((p) => ({
        block: p.block,
        netuid: p.netuid,
        kind: p.kind,
        hotkey: addressOf(p.hotkey),
        coldkey: addressOf(p.coldkey),
        amount: p.amount.toString(),
      })),
      total: total.toString(),
    };
  }
}
