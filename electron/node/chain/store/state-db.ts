/**
 * The chain's sql.js database: derived tables and indexes for queries (accounts, stakes, blocks,
 * transactions by hash, account history, epoch results per hotkey, payouts per coldkey,
 * validators' proof commitments by hotkey, subnet and epoch, slashes for double signing). It is
 * never the source of truth: the block log is. Each block is indexed in one SQL transaction that
 * also sets meta.height, so the database always reads "state after block meta.height".
 *
 * Persistence: sql.js keeps the database in memory; `exportSnapshot` writes it whole (with the
 * encoded chain state at that height in meta.state) and the caller writes the bytes atomically.
 * Amounts are SQLite INTEGERs (every real balance is below 2^63) read back as bigint.
 */
import type { Block } from '../block.ts';
import type { CowMap } from '../cow-map.ts';
import { toHex, type Hex } from '../crypto.ts';
import type { Account, ChainEvent, ChainState, HotkeyRecord } from '../types.ts';
import { loadSqlJs, type Database, type SqlValue, type Statement } from './sqljs.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS accounts (key TEXT PRIMARY KEY, free INTEGER NOT NULL, nonce INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stakes (hotkey TEXT NOT NULL, coldkey TEXT NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY (hotkey, coldkey)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stakes_coldkey ON stakes (coldkey);
CREATE TABLE IF NOT EXISTS hotkeys (hotkey TEXT PRIMARY KEY, owner TEXT NOT NULL, take INTEGER NOT NULL, total_stake INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, time INTEGER NOT NULL, proposer TEXT NOT NULL, tx_count INTEGER NOT NULL, state_root TEXT NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS txs (hash TEXT PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, signer TEXT NOT NULL, target TEXT, netuid INTEGER, amount INTEGER, fee INTEGER NOT NULL, nonce INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (account TEXT NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL, tx_hash TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (account, height, idx, role)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS epochs (netuid INTEGER NOT NULL, block INTEGER NOT NULL, uid INTEGER NOT NULL, hotkey TEXT NOT NULL, coldkey TEXT NOT NULL, stake INTEGER NOT NULL, rank INTEGER NOT NULL, trust INTEGER NOT NULL, consensus INTEGER NOT NULL, incentive INTEGER NOT NULL, dividends INTEGER NOT NULL, validator_trust INTEGER NOT NULL, emission INTEGER NOT NULL, validator_permit INTEGER NOT NULL, PRIMARY KEY (netuid, block, uid));
CREATE INDEX IF NOT EXISTS epochs_hotkey ON epochs (hotkey, block);
CREATE INDEX IF NOT EXISTS epochs_coldkey ON epochs (coldkey, block);
CREATE TABLE IF NOT EXISTS payouts (block INTEGER NOT NULL, netuid INTEGER NOT NULL, coldkey TEXT NOT NULL, hotkey TEXT NOT NULL, kind TEXT NOT NULL, amount INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS payouts_coldkey ON payouts (coldkey, block);
CREATE INDEX IF NOT EXISTS payouts_hotkey ON payouts (hotkey, block);
CREATE TABLE IF NOT EXISTS proofs (hotkey TEXT NOT NULL, netuid INTEGER NOT NULL, epoch INTEGER NOT NULL, block INTEGER NOT NULL, tx_hash TEXT NOT NULL, root TEXT NOT NULL, entries INTEGER NOT NULL, secret_hash TEXT NOT NULL, reveal TEXT, PRIMARY KEY (hotkey, netuid, epoch)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS slashes (evidence TEXT PRIMARY KEY, block INTEGER NOT NULL, validator TEXT NOT NULL, hotkey TEXT NOT NULL, offence_height INTEGER NOT NULL, amount INTEGER NOT NULL, removed INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS slashes_block ON slashes (block);
CREATE INDEX IF NOT EXISTS slashes_hotkey ON slashes (hotkey, block);
`;

export interface BlockRow {
  height: number;
  hash: Hex;
  time: number;
  proposer: Hex;
  txCount: number;
  stateRoot: Hex;
  size: number;
}

export interface TxRow {
  hash: Hex;
  height: number;
  index: number;
  kind: string;
  signer: Hex;
  target: Hex | null;
  netuid: number | null;
  amount: bigint | null;
  fee: bigint;
  nonce: number;
}

export interface EpochRow {
  netuid: number;
  block: number;
  uid: number;
  hotkey: Hex;
  coldkey: Hex;
  stake: bigint;
  rank: number;
  trust: number;
  consensus: number;
  incentive: number;
  dividends: number;
  validatorTrust: number;
  emission: bigint;
  validatorPermit: boolean;
}

/** One applied commit_proof (the chain keeps only the latest per uid; the index keeps all). */
export interface ProofRow {
  hotkey: Hex;
  netuid: number;
  epoch: number;
  block: number;
  txHash: Hex;
  root: Hex;
  entries: number;
  secretHash: Hex;
  /** The secret this commit revealed (promised by the hotkey's previous commit), or null. */
  reveal: Hex | null;
}

function proofFrom(r: SqlValue[]): ProofRow {
  return {
    hotkey: r[0] as Hex,
    netuid: num(r[1]!),
    epoch: num(r[2]!),
    block: num(r[3]!),
    txHash: r[4] as Hex,
    root: r[5] as Hex,
    entries: num(r[6]!),
    secretHash: r[7] as Hex,
    reveal: (r[8] as Hex | null) ?? null,
  };
}

/** A slash for double signing (chain/validators.ts), as indexed. */
export interface SlashRow {
  evidence: Hex;
  block: number;
  validator: Hex;
  hotkey: Hex;
  offenceHeight: number;
  amount: bigint;
  removed: boolean;
}

export interface PayoutRow {
  block: number;
  netuid: number;
  coldkey: Hex;
  hotkey: Hex;
  kind: string;
  amount: bigint;
}

const big = (v: SqlValue): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));
const num = (v: SqlValue): number => (typeof v === 'bigint' ? Number(v) : (v as number));
const BIG = { useBigInt: true };

function epochFrom(r: SqlValue[]): EpochRow {
  return {
    netuid: num(r[0]!),
    block: num(r[1]!),
    uid: num(r[2]!),
    hotkey: r[3] as Hex,
    coldkey: r[4] as Hex,
    stake: big(r[5]!),
    rank: num(r[6]!),
    trust: num(r[7]!),
    consensus: num(r[8]!),
    incentive: num(r[9]!),
    dividends: num(r[10]!),
    validatorTrust: num(r[11]!),
    emission: big(r[12]!),
    validatorPermit: num(r[13]!) === 1,
  };
}

function payoutFrom(r: SqlValue[]): PayoutRow {
  return {
    block: num(r[0]!),
    netuid: num(r[1]!),
    coldkey: r[2] as Hex,
    hotkey: r[3] as Hex,
    kind: r[4] as string,
    amount: big(r[5]!),
  };
}

/** Keys whose value object changed between two versions of a copy-on-write table. */
function changed<V>(
  before: CowMap<V>,
  after: CowMap<V>,
): { set: Array<[string, V]>; gone: string[] } {
  const set: Array<[string, V]> = [];
  const gone: string[] = [];
  for (let g = 0; g < after.groups.length; g++) {
    const ga = before.groups[g];
    const gb = after.groups[g];
    if (ga === gb || ga === undefined || gb === undefined) continue;
    for (let i = 0; i < gb.length; i++) {
      const a = ga[i];
      const b = gb[i];
      if (a === b) continue;
      if (b) for (const [k, v] of b) if (a?.get(k) !== v) set.push([k, v]);
      if (a) for (const k of a.keys()) if (!b?.has(k)) gone.push(k);
    }
  }
  return { set, gone };
}

export class StateDb {
  readonly db: Database;
  private readonly st: Record<string, Statement> = {};

  private constructor(db: Database) {
    this.db = db;
    db.exec(SCHEMA);
    const prep = (name: string, sql: string) => (this.st[name] = db.prepare(sql));
    prep('meta', 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    prep('getMeta', 'SELECT value FROM meta WHERE key = ?');
    prep('account', 'INSERT OR REPLACE INTO accounts (key, free, nonce) VALUES (?, ?, ?)');
    prep('delAccount', 'DELETE FROM accounts WHERE key = ?');
    prep(
      'hotkey',
      'INSERT OR REPLACE INTO hotkeys (hotkey, owner, take, total_stake) VALUES (?, ?, ?, ?)',
    );
    prep('delStakes', 'DELETE FROM stakes WHERE hotkey = ?');
    prep('stake', 'INSERT INTO stakes (hotkey, coldkey, amount) VALUES (?, ?, ?)');
    prep(
      'block',
      'INSERT INTO blocks (height, hash, time, proposer, tx_count, state_root, size) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    prep(
      'tx',
      'INSERT OR REPLACE INTO txs (hash, height, idx, kind, signer, target, netuid, amount, fee, nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    prep(
      'history',
      'INSERT OR IGNORE INTO history (account, height, idx, tx_hash, role) VALUES (?, ?, ?, ?, ?)',
    );
    prep(
      'epoch',
      'INSERT OR REPLACE INTO epochs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // A hotkey that lost its uid and registered again may commit an epoch a second time: the
    // later commit replaces the row (it is the one the chain holds).
    prep('proof', 'INSERT OR REPLACE INTO proofs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    prep(
      'payout',
      'INSERT INTO payouts (block, netuid, coldkey, hotkey, kind, amount) VALUES (?, ?, ?, ?, ?, ?)',
    );
    prep(
      'slash',
      'INSERT OR REPLACE INTO slashes (evidence, block, validator, hotkey, offence_height, amount, removed) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  static async open(snapshot: Uint8Array | null): Promise<StateDb> {
    const SQL = await loadSqlJs();
    return new StateDb(new SQL.Database(snapshot ?? undefined));
  }

  getMeta(key: string): SqlValue {
    const row = this.st.getMeta!.get([key]);
    this.st.getMeta!.reset();
    return row[0] ?? null;
  }

  setMeta(key: string, value: SqlValue): void {
    this.st.meta!.run([key, value]);
  }

  get height(): number {
    const h = this.getMeta('height');
    return h === null ? -1 : Number(h);
  }

  /** Writes the whole of `state`'s tables (genesis, or a rebuilt index). */
  writeFullState(state: ChainState): void {
    this.db.exec('BEGIN');
    try {
      for (const [k, a] of state.accounts.entries()) this.st.account!.run([k, a.free, a.nonce]);
      for (const [k, h] of state.hotkeys.entries()) this.writeHotkey(k, h);
      this.setMeta('height', state.height);
      this.setMeta('genesis', state.genesisHash);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private writeHotkey(k: Hex, h: HotkeyRecord): void {
    this.st.hotkey!.run([k, h.owner, h.take, h.totalStake]);
    this.st.delStakes!.run([k]);
    for (const [c, v] of h.stakes) this.st.stake!.run([k, c, v]);
  }

  /** Indexes one applied block, in one SQL transaction with meta.height. */
  indexBlock(
    pre: ChainState,
    post: ChainState,
    block: Block,
    hash: Hex,
    size: number,
    txHashes: readonly Hex[],
    events: readonly ChainEvent[],
  ): void {
    const h = block.header.height;
    this.db.exec('BEGIN');
    try {
      const acc = changed<Account>(pre.accounts, post.accounts);
      for (const [k, a] of acc.set) this.st.account!.run([k, a.free, a.nonce]);
      for (const k of acc.gone) this.st.delAccount!.run([k]);
      for (const [k, hk] of changed<HotkeyRecord>(pre.hotkeys, post.hotkeys).set)
        this.writeHotkey(k, hk);
      const hdr = block.header;
      this.st.block!.run([h, hash, hdr.time, hdr.proposer, block.txs.length, hdr.stateRoot, size]);
      block.txs.forEach((tx, i) => {
        const b = tx.body;
        const txHash = txHashes[i] as Hex;
        let target: Hex | null = null;
        let amount: bigint | null = null;
        let netuid: number | null = null;
        switch (b.kind) {
          case 'transfer':
            target = b.to;
            amount = b.amount;
            break;
          case 'add_stake':
          case 'remove_stake':
            target = b.hotkey;
            amount = b.amount;
            break;
          case 'set_take':
            target = b.hotkey;
            break;
          case 'register':
            target = b.hotkey;
            netuid = b.netuid;
            break;
          case 'create_subnet':
            target = b.hotkey;
            break;
          case 'propose':
            amount = b.deposit;
            netuid = b.action.kind === 'param' ? b.action.netuid : null;
            break;
          case 'vote':
            break;
          case 'commit_proof':
            netuid = b.netuid;
            this.st.proof!.run([
              b.signer,
              b.netuid,
              b.epoch,
              h,
              txHash,
              b.root,
              b.entries,
              b.secretHash,
              b.reveal,
            ]);
            break;
          default:
            netuid = b.netuid;
        }
        this.st.tx!.run([txHash, h, i, b.kind, b.signer, target, netuid, amount, b.fee, b.nonce]);
        this.st.history!.run([b.signer, h, i, txHash, 'signer']);
        if (target !== null && target !== b.signer)
          this.st.history!.run([target, h, i, txHash, 'target']);
      });
      for (const e of events) {
        if (e.type === 'payout') {
          this.st.payout!.run([h, e.netuid, e.coldkey, e.hotkey, e.kind, e.amount]);
        } else if (e.type === 'slash') {
          this.st.slash!.run([
            e.evidence,
            h,
            e.validator,
            e.hotkey,
            e.offenceHeight,
            e.amount,
            e.removed ? 1 : 0,
          ]);
        } else if (e.type === 'epoch') {
          for (const n of e.neurons) {
            this.st.epoch!.run([
              e.netuid,
              e.block,
              n.uid,
              n.hotkey,
              n.coldkey,
              n.stake,
              n.rank,
              n.trust,
              n.consensus,
              n.incentive,
              n.dividends,
              n.validatorTrust,
              n.emission,
              n.validatorPermit ? 1 : 0,
            ]);
          }
        }
      }
      this.setMeta('height', h);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** The database bytes with `stateBytes` stored as meta.state (removed again afterwards). */
  exportSnapshot(stateBytes: Uint8Array): Uint8Array {
    this.setMeta('state', stateBytes);
    try {
      return this.db.export();
    } finally {
      this.setMeta('state', null);
    }
  }

  // -- queries --

  private all(sql: string, params: SqlValue[]): SqlValue[][] {
    const st = this.db.prepare(sql);
    try {
      st.bind(params);
      const rows: SqlValue[][] = [];
      while (st.step()) rows.push(st.get(null, BIG));
      return rows;
    } finally {
      st.free();
    }
  }

  stakesOfColdkey(coldkey: Hex): Array<{ hotkey: Hex; amount: bigint }> {
    return this.all('SELECT hotkey, amount FROM stakes WHERE coldkey = ? ORDER BY hotkey', [
      coldkey,
    ]).map(([hotkey, amount]) => ({ hotkey: hotkey as Hex, amount: big(amount as SqlValue) }));
  }

  block(heightOrHash: number | Hex): BlockRow | null {
    const rows =
      typeof heightOrHash === 'number'
        ? this.all('SELECT * FROM blocks WHERE height = ?', [heightOrHash])
        : this.all('SELECT * FROM blocks WHERE hash = ?', [heightOrHash]);
    const r = rows[0];
    if (r === undefined) return null;
    return {
      height: num(r[0]!),
      hash: r[1] as Hex,
      time: num(r[2]!),
      proposer: r[3] as Hex,
      txCount: num(r[4]!),
      stateRoot: r[5] as Hex,
      size: num(r[6]!),
    };
  }

  /** The slashes block `height` applied, by evidence id. */
  slashesAt(height: number): SlashRow[] {
    return this.all('SELECT * FROM slashes WHERE block = ? ORDER BY evidence', [height]).map(
      (r) => ({
        evidence: r[0] as Hex,
        block: num(r[1]!),
        validator: r[2] as Hex,
        hotkey: r[3] as Hex,
        offenceHeight: num(r[4]!),
        amount: big(r[5]!),
        removed: num(r[6]!) === 1,
      }),
    );
  }

  recentBlocks(limit: number, before?: number): BlockRow[] {
    const rows = this.all(
      'SELECT height FROM blocks WHERE height < ? ORDER BY height DESC LIMIT ?',
      [before ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map((r) => this.block(num(r[0]!)) as BlockRow);
  }

  private txFrom(r: SqlValue[]): TxRow {
    return {
      hash: r[0] as Hex,
      height: num(r[1]!),
      index: num(r[2]!),
      kind: r[3] as string,
      signer: r[4] as Hex,
      target: (r[5] as Hex | null) ?? null,
      netuid: r[6] === null ? null : num(r[6]!),
      amount: r[7] === null ? null : big(r[7]!),
      fee: big(r[8]!),
      nonce: num(r[9]!),
    };
  }

  tx(hash: Hex): TxRow | null {
    const r = this.all('SELECT * FROM txs WHERE hash = ?', [hash])[0];
    return r === undefined ? null : this.txFrom(r);
  }

  history(account: Hex, limit: number, beforeHeight?: number): TxRow[] {
    return this.all(
      `SELECT t.* FROM history h JOIN txs t ON t.hash = h.tx_hash
       WHERE h.account = ? AND h.height < ? ORDER BY h.height DESC, h.idx DESC LIMIT ?`,
      [account, beforeHeight ?? Number.MAX_SAFE_INTEGER, limit],
    ).map((r) => this.txFrom(r));
  }

  epochs(key: { hotkey?: Hex; coldkey?: Hex }, from: number, to: number): EpochRow[] {
    const col = key.hotkey !== undefined ? 'hotkey' : 'coldkey';
    const value = (key.hotkey ?? key.coldkey) as Hex;
    return this.all(
      `SELECT * FROM epochs WHERE ${col} = ? AND block BETWEEN ? AND ? ORDER BY block, netuid, uid`,
      [value, from, to],
    ).map(epochFrom);
  }

  /** Every uid's results at a subnet's epochs in [from, to]. */
  subnetEpochs(netuid: number, from: number, to: number): EpochRow[] {
    return this.all(
      'SELECT * FROM epochs WHERE netuid = ? AND block BETWEEN ? AND ? ORDER BY block, uid',
      [netuid, from, to],
    ).map(epochFrom);
  }

  /** The blocks of a subnet's last `limit` epochs, ascending. */
  epochBlocks(netuid: number, limit: number): number[] {
    return this.all(
      'SELECT DISTINCT block FROM epochs WHERE netuid = ? ORDER BY block DESC LIMIT ?',
      [netuid, limit],
    )
      .map((r) => num(r[0]!))
      .reverse();
  }

  /** Every payout of a subnet in [from, to] (all keys), in order. */
  subnetPayouts(netuid: number, from: number, to: number): PayoutRow[] {
    return this.all(
      `SELECT block, netuid, coldkey, hotkey, kind, amount FROM payouts
       WHERE netuid = ? AND block BETWEEN ? AND ? ORDER BY block, rowid`,
      [netuid, from, to],
    ).map(payoutFrom);
  }

  /** Block time (ms) of each given height that exists. */
  blockTimes(heights: readonly number[]): Map<number, number> {
    const out = new Map<number, number>();
    for (let i = 0; i < heights.length; i += 500) {
      const part = heights.slice(i, i + 500);
      const marks = part.map(() => '?').join(',');
      for (const r of this.all(`SELECT height, time FROM blocks WHERE height IN (${marks})`, part))
        out.set(num(r[0]!), num(r[1]!));
    }
    return out;
  }

  /** The first block whose time is at or after `time` (ms), or null. */
  firstBlockAtOrAfter(time: number): number | null {
    const r = this.all('SELECT MIN(height) FROM blocks WHERE time >= ?', [time])[0];
    return r === undefined || r[0] === null ? null : num(r[0]!);
  }

  payouts(key: { hotkey?: Hex; coldkey?: Hex }, from: number, to: number): PayoutRow[] {
    const col = key.hotkey !== undefined ? 'hotkey' : 'coldkey';
    const value = (key.hotkey ?? key.coldkey) as Hex;
    return this.all(
      `SELECT block, netuid, coldkey, hotkey, kind, amount FROM payouts
       WHERE ${col} = ? AND block BETWEEN ? AND ? ORDER BY block, rowid`,
      [value, from, to],
    ).map(payoutFrom);
  }

  /** The hotkey's commit_proof for a subnet's epoch, or null. */
  proof(hotkey: Hex, netuid: number, epoch: number): ProofRow | null {
    const r = this.all('SELECT * FROM proofs WHERE hotkey = ? AND netuid = ? AND epoch = ?', [
      hotkey,
      netuid,
      epoch,
    ])[0];
    return r === undefined ? null : proofFrom(r);
  }

  /** The hotkey's first commit_proof on a subnet applied after `block`, or null. */
  proofAfter(hotkey: Hex, netuid: number, block: number): ProofRow | null {
    const r = this.all(
      'SELECT * FROM proofs WHERE hotkey = ? AND netuid = ? AND block > ? ORDER BY block LIMIT 1',
      [hotkey, netuid, block],
    )[0];
    return r === undefined ? null : proofFrom(r);
  }

  close(): void {
    for (const st of Object.values(this.st)) st.free();
    this.db.close();
  }
}

export { toHex };
