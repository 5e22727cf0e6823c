/**
 * A state being edited: change lists over an immutable ChainState (cow-map.ts drafts for the
 * tables, a copy of the scalars). Transactions run in a child draft that is committed into its
 * block's draft only if the transaction succeeds; `finish` yields the new immutable state.
 */
import { CowMap, MapDraft } from './cow-map.ts';
import type { Hex } from './crypto.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import {
  netuidKey,
  type Account,
  type ChainEvent,
  type ChainParams,
  type ChainState,
  type GovernanceMeta,
  type HotkeyRecord,
  type Proposal,
  type SlashRecord,
  type Subnet,
  type Validator,
  type ValidatorSets,
  type Vote,
  type VoteLocks,
} from './types.ts';

interface Scalars {
  height: number;
  lastBlockHash: Hex;
  lastBlockTime: number;
  totalIssuance: bigint;
  totalRecycled: bigint;
  lastLockCost: bigint;
  lastLockBlock: number;
  /** Parameters can change inside a block (governance enactment). */
  params: ChainParams;
  governance: GovernanceMeta;
  /** Evidence removes validators and records slashes (validators.ts); sets advance per block. */
  validators: ReadonlyArray<Validator>;
  validatorSets: ValidatorSets;
  slashes: ReadonlyArray<SlashRecord>;
}

const NO_ACCOUNT: Account = Object.freeze({ free: 0n, nonce: 0 });

export class StateDraft {
  readonly base: ChainState;
  private readonly parent: StateDraft | null;
  readonly accounts: MapDraft<Account>;
  readonly hotkeys: MapDraft<HotkeyRecord>;
  readonly subnets: MapDraft<Subnet>;
  readonly proposals: MapDraft<Proposal>;
  readonly votes: MapDraft<Vote>;
  readonly locks: MapDraft<VoteLocks>;
  s: Scalars;
  events: ChainEvent[] = [];

  constructor(base: ChainState, parent: StateDraft | null = null) {
    this.base = base;
    this.parent = parent;
    if (parent === null) {
      this.accounts = base.accounts.draft();
      this.hotkeys = base.hotkeys.draft();
      this.subnets = base.subnets.draft();
      this.proposals = base.proposals.draft();
      this.votes = base.votes.draft();
      this.locks = base.locks.draft();
      this.s = {
        height: base.height,
        lastBlockHash: base.lastBlockHash,
        lastBlockTime: base.lastBlockTime,
        totalIssuance: base.totalIssuance,
        totalRecycled: base.totalRecycled,
        lastLockCost: base.lastLockCost,
        lastLockBlock: base.lastLockBlock,
        params: base.params,
        governance: base.governance,
        validators: base.validators,
        validatorSets: base.validatorSets,
        slashes: base.slashes,
      };
    } else {
      this.accounts = parent.accounts.child();
      this.hotkeys = parent.hotkeys.child();
      this.subnets = parent.subnets.child();
      this.proposals = parent.proposals.child();
      this.votes = parent.votes.child();
      this.locks = parent.locks.child();
      this.s = { ...parent.s };
    }
  }

  get params(): ChainParams {
    return this.s.params;
  }

  child(): StateDraft {
    return new StateDraft(this.base, this);
  }

  /** Moves this child's changes into its parent. */
  commit(): void {
    const parent = this.parent;
    if (parent === null) throw new Error('commit() on a root draft');
    this.accounts.commit();
    this.hotkeys.commit();
    this.subnets.commit();
    this.proposals.commit();
    this.votes.commit();
    this.locks.commit();
    parent.s = { ...this.s };
    parent.events.push(...this.events);
    this.events = [];
  }

  finish(): ChainState {
    if (this.parent !== null) throw new Error('finish() on a child draft');
    return {
      ...this.base,
      ...this.s,
      accounts: this.accounts.finish(),
      hotkeys: this.hotkeys.finish(),
      subnets: this.subnets.finish(),
      proposals: this.proposals.finish(),
      votes: this.votes.finish(),
      locks: this.locks.finish(),
    };
  }

  // -- accounts --

  account(key: Hex): Account {
    return this.accounts.get(key) ?? NO_ACCOUNT;
  }

  credit(key: Hex, amount: bigint): void {
    if (amount === 0n) return;
    const a = this.account(key);
    this.accounts.set(key, { free: a.free + amount, nonce: a.nonce });
  }

  debit(key: Hex, amount: bigint): void {
    const a = this.account(key);
    if (a.free < amount) {
      throw chainError(ChainErrorCode.INSUFFICIENT_BALANCE, 'free balance too low', {
        needed: amount.toString(),
        free: a.free.toString(),
      });
    }
    this.accounts.set(key, { free: a.free - amount, nonce: a.nonce });
  }

  bumpNonce(key: Hex): void {
    const a = this.account(key);
    this.accounts.set(key, { free: a.free, nonce: a.nonce + 1 });
  }

  /** Removes rao from circulation (fees, burns); the cap lets it be issued again later. */
  recycle(amount: bigint): void {
    this.s.totalIssuance -= amount;
    this.s.totalRecycled += amount;
  }

  // -- hotkeys and stake --

  hotkey(key: Hex): HotkeyRecord | undefined {
    return this.hotkeys.get(key);
  }

  /** Creates the hotkey record owned by `coldkey` if it does not exist; refuses a foreign one. */
  claimHotkey(hotkey: Hex, coldkey: Hex): HotkeyRecord {
    const rec = this.hotkeys.get(hotkey);
    if (rec === undefined) {
      const fresh: HotkeyRecord = {
        owner: coldkey,
        take: this.params.defaultTake,
        lastTakeIncrease: 0,
        totalStake: 0n,
        stakes: [],
      };
      this.hotkeys.set(hotkey, fresh);
      return fresh;
    }
    if (rec.owner !== coldkey) {
      throw chainError(ChainErrorCode.NOT_HOTKEY_OWNER, 'the hotkey belongs to another coldkey', {
        hotkey,
      });
    }
    return rec;
  }

  stakeOf(hotkey: Hex, coldkey: Hex): bigint {
    const rec = this.hotkeys.get(hotkey);
    if (rec === undefined) return 0n;
    const i = findStake(rec.stakes, coldkey);
    return i >= 0 ? (rec.stakes[i] as readonly [Hex, bigint])[1] : 0n;
  }

  /** Adds (or with a negative delta removes) stake; the caller checks bounds first. */
  changeStake(hotkey: Hex, coldkey: Hex, delta: bigint): void {
    if (delta === 0n) return;
    const rec = this.hotkeys.get(hotkey);
    if (rec === undefined) throw chainError(ChainErrorCode.UNKNOWN_HOTKEY, 'unknown hotkey');
    const stakes = rec.stakes.slice();
    const i = findStake(stakes, coldkey);
    const current = i >= 0 ? (stakes[i] as readonly [Hex, bigint])[1] : 0n;
    const next = current + delta;
    if (next < 0n) throw chainError(ChainErrorCode.INSUFFICIENT_STAKE, 'stake too low');
    if (i >= 0) {
      if (next === 0n) stakes.splice(i, 1);
      else stakes[i] = [coldkey, next];
    } else {
      stakes.splice(-i - 1, 0, [coldkey, next]);
    }
    this.hotkeys.set(hotkey, { ...rec, stakes, totalStake: rec.totalStake + delta });
  }

  /** A coldkey's stake on every hotkey. Cost: one pass over the hotkeys. */
  coldkeyStake(coldkey: Hex): bigint {
    let total = 0n;
    for (const [, rec] of this.hotkeys.entries()) {
      const i = findStake(rec.stakes, coldkey);
      if (i >= 0) total += (rec.stakes[i] as readonly [Hex, bigint])[1];
    }
    return total;
  }

  // -- subnets --

  subnet(netuid: number): Subnet | undefined {
    return this.subnets.get(netuidKey(netuid));
  }

  requireSubnet(netuid: number): Subnet {
    const s = this.subnet(netuid);
    if (s === undefined) {
      throw chainError(ChainErrorCode.UNKNOWN_SUBNET, `no subnet ${netuid}`, { netuid });
    }
    return s;
  }

  setSubnet(subnet: Subnet): void {
    this.subnets.set(netuidKey(subnet.netuid), subnet);
  }

  /** Subnets ascending by netuid. */
  subnetList(): Subnet[] {
    return this.subnets
      .entries()
      .map(([, s]) => s)
      .sort((a, b) => a.netuid - b.netuid);
  }
}

/** Binary search by coldkey; returns the index, or −(insertion point) − 1. */
export function findStake(stakes: ReadonlyArray<readonly [Hex, bigint]>, coldkey: Hex): number {
  let lo = 0;
  let hi = stakes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = (stakes[mid] as readonly [Hex, bigint])[0];
    if (k === coldkey) return mid;
    if (k < coldkey) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

export { CowMap };
