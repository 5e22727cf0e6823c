/**
 * The chain on disk: block log (truth), sql.js index with periodic snapshots, and the current
 * state in memory. Owns the recovery rule and the order of writes:
 *
 *   commit:  validate (pure applyBlock/buildBlock, done by the caller) → append to the log and
 *            fsync → swap in the new state → index it in sql.js → every `snapshotEvery` blocks
 *            write a snapshot (db.export() with the encoded state inside, temp file, fsync,
 *            rename, fsync dir).
 *   open:    scan the log (cut a torn tail) → load the snapshot if it is for this genesis and
 *            not ahead of the log, else start from genesis → replay the log from the snapshot's
 *            height to the tip through applyBlock (state roots checked on every block).
 * A kill at any instant therefore loses no block whose append returned, and never applies half
 * of one.
 *
 * Files in the chain folder: genesis.json, blocks.log, state.sqlite.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../storage/atomic-file.ts';
import { blockHash, type Block, type Commit } from '../block.ts';
import { decodeBlock, decodeCommit, encodeBlock, encodeCommit, encodeSignedTx } from '../codec.ts';
import { hash256, toHex, type Hex } from '../crypto.ts';
import { chainError, ChainErrorCode } from '../errors.ts';
import type { Genesis } from '../genesis.ts';
import { applyBlock } from '../state.ts';
import { decodeState, encodeState } from '../state-codec.ts';
import { stateRoot } from '../state-root.ts';
import type { ChainEvent, ChainState } from '../types.ts';
import { BlockLog } from './block-log.ts';
import { StateDb } from './state-db.ts';

export interface ChainStoreOptions {
  dir: string;
  genesis: Genesis;
  /** Never writes: no truncation, no snapshot (the CLI reading a stopped node's folder). */
  readOnly?: boolean;
  /** Blocks between snapshots (default 100). */
  snapshotEvery?: number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

export interface CommittedBlock {
  block: Block;
  hash: Hex;
  commit: Commit;
}

export class ChainStore {
  readonly dir: string;
  readonly genesis: Genesis;
  readonly db: StateDb;
  readonly log: BlockLog;
  private current: ChainState;
  private tip: Commit | null;
  private readonly snapshotEvery: number;
  private readonly readOnly: boolean;
  private sinceSnapshot = 0;
  private snapshotting: Promise<void> | null = null;
  /** How the store was opened: from which snapshot height, how many blocks replayed. */
  readonly recovery: {
    snapshotHeight: number;
    replayed: number;
    truncatedBytes: number;
    ms: number;
  };

  private constructor(
    options: ChainStoreOptions,
    db: StateDb,
    log: BlockLog,
    state: ChainState,
    tip: Commit | null,
    recovery: ChainStore['recovery'],
  ) {
    this.dir = options.dir;
    this.genesis = options.genesis;
    this.db = db;
    this.log = log;
    this.current = state;
    this.tip = tip;
    this.snapshotEvery = options.snapshotEvery ?? 100;
    this.readOnly = options.readOnly === true;
    this.recovery = recovery;
  }

  static files(dir: string) {
    return {
      genesis: path.join(dir, 'genesis.json'),
      log: path.join(dir, 'blocks.log'),
      snapshot: path.join(dir, 'state.sqlite'),
    };
  }

  static async open(options: ChainStoreOptions): Promise<ChainStore> {
    const started = performance.now();
    const files = ChainStore.files(options.dir);
    const note = options.log ?? (() => undefined);
    const { log, truncatedBytes } = await BlockLog.open(files.log, { readOnly: options.readOnly });
    if (truncatedBytes > 0) note('block log: torn last record dropped', { truncatedBytes });
    const genesis = options.genesis;
    let db: StateDb | null = null;
    let state: ChainState = genesis.state;
    let snapshotBytes: Uint8Array | null = null;
    try {
      snapshotBytes = new Uint8Array(await readFile(files.snapshot));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (snapshotBytes !== null) {
      try {
        const candidate = await StateDb.open(snapshotBytes);
        const height = candidate.height;
        const blob = candidate.getMeta('state');
        if (candidate.getMeta('genesis') !== genesis.hash) {
          candidate.close();
          throw chainError(
            ChainErrorCode.GENESIS_MISMATCH,
            'the chain folder holds another network than the configured genesis',
            { dir: options.dir },
          );
        }
        if (height > log.count || !(blob instanceof Uint8Array)) {
          note('snapshot ignored: ahead of the log or without state', { height, log: log.count });
          candidate.close();
        } else {
          const restored = decodeState(blob);
          const row = candidate.block(height);
          const root = stateRoot(restored);
          if (height > 0 && row?.stateRoot !== root) {
            note('snapshot ignored: its state does not match its block', { height });
            candidate.close();
          } else {
            candidate.setMeta('state', null);
            db = candidate;
            state = restored;
          }
        }
      } catch (error) {
        if ((error as { code?: string }).code === ChainErrorCode.GENESIS_MISMATCH) throw error;
        note('snapshot unreadable, replaying from genesis', { error: String(error) });
      }
    }
    if (db === null) {
      db = await StateDb.open(null);
      db.writeFullState(genesis.state);
      state = genesis.state;
    }
    const snapshotHeight = state.height;
    let tip: Commit | null = null;
    for (let h = state.height + 1; h <= log.count; h++) {
      const entry = await log.read(h);
      const block = decodeBlock(entry.block);
      const result = applyBlock(state, block, { skipSignatures: true });
      if (!result.ok) {
        throw chainError(
          ChainErrorCode.LOG_CORRUPT,
          `block ${h} in the log does not apply: ${result.error.message}`,
          {
            height: h,
            code: result.error.code,
          },
        );
      }
      db.indexBlock(
        state,
        result.state,
        block,
        blockHash(block.header),
        entry.block.length,
        txHashes(block),
        result.events,
      );
      state = result.state;
    }
    if (log.count > 0) tip = decodeCommit((await log.read(log.count)).commit);
    const recovery = {
      snapshotHeight,
      replayed: log.count - snapshotHeight,
      truncatedBytes,
      ms: Math.round(performance.now() - started),
    };
    const store = new ChainStore(options, db, log, state, tip, recovery);
    if (!store.readOnly && recovery.replayed > 0) await store.snapshot();
    return store;
  }

  get state(): ChainState {
    return this.current;
  }

  /** The commit of the newest block (which the next block carries as lastCommit). */
  get tipCommit(): Commit | null {
    return this.tip;
  }

  /**
   * Makes a validated block final: log + fsync first, then state and index. `post` and `events`
   * come from applyBlock/buildBlock on the current state.
   */
  async commitBlock(
    block: Block,
    commit: Commit,
    post: ChainState,
    events: readonly ChainEvent[],
  ): Promise<CommittedBlock> {
    if (block.header.height !== this.current.height + 1) {
      throw chainError(ChainErrorCode.WRONG_HEIGHT, 'block does not follow the stored tip');
    }
    const bytes = encodeBlock(block);
    const hash = blockHash(block.header);
    await this.log.append({ block: bytes, commit: encodeCommit(commit) });
    const pre = this.current;
    this.current = post;
    this.tip = commit;
    this.db.indexBlock(pre, post, block, hash, bytes.length, txHashes(block), events);
    if (++this.sinceSnapshot >= this.snapshotEvery) await this.snapshot();
    return { block, hash, commit };
  }

  /** Writes state.sqlite atomically (the whole index plus the encoded state). */
  async snapshot(): Promise<void> {
    if (this.readOnly) return;
    await this.snapshotting;
    this.sinceSnapshot = 0;
    const bytes = this.db.exportSnapshot(encodeState(this.current));
    const write = writeFileAtomic(ChainStore.files(this.dir).snapshot, bytes);
    this.snapshotting = write.then(
      () => undefined,
      () => undefined,
    );
    await write;
  }

  async blockAt(
    height: number,
  ): Promise<{ block: Block; hash: Hex; commit: Commit; size: number }> {
    if (height < 1 || height > this.log.count) {
      throw chainError(ChainErrorCode.NOT_FOUND, `no block at height ${height}`, { height });
    }
    const entry = await this.log.read(height);
    const block = decodeBlock(entry.block);
    return {
      block,
      hash: blockHash(block.header),
      commit: decodeCommit(entry.commit),
      size: entry.block.length,
    };
  }

  async close(): Promise<void> {
    if (!this.readOnly && this.sinceSnapshot > 0) await this.snapshot();
    await this.snapshotting;
    await this.log.close();
    this.db.close();
  }
}

export function txHashes(block: Block): Hex[] {
  return block.txs.map((tx) => toHex(hash256(encodeSignedTx(tx))));
}
