/**
 * The validator's interaction log: every task it sent, with the result and score, one JSON line
 * per task in `<dir>/epoch-<netuid>-<epoch>.jsonl`. Each tempo the validator commits the Merkle
 * root of an epoch's log (merkle.ts) on chain; `prove` later shows any one interaction against
 * that root, so a miner or governance can audit a score (with the revealed epoch secret, the
 * prompt itself is recomputable: prompts.ts).
 *
 * Durability: `append` takes a batch (the validator passes a round's results at once), writes it
 * with one append per file and one fsync per file, and resolves only after the fsync. A process
 * killed mid-batch leaves a prefix of the batch and at most one torn last line per file; on open
 * the torn line (anything after the last newline) is cut off, because its append never returned.
 * A bad line before the last newline is not a torn write, so it is refused (INTERACTION_LOG_CORRUPT,
 * naming the file and line) instead of dropping entries that a committed root covers.
 *
 * One process owns the folder: the node opens one InteractionLog and keeps it. Every entry of the
 * retained epochs stays in memory (an index by task id and the leaves per epoch); epochs beyond
 * `retainEpochs` per subnet are deleted, after which their interactions cannot be proven.
 */
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ZERO_HASH, type Hex } from '../chain/crypto.ts';
import { NoesisError } from '../errors.ts';
import { fsyncDir } from '../storage/atomic-file.ts';
import { interactionLeaf, merkleProof, merkleRoot, type MerkleProof } from './merkle.ts';
import { INTERACTION_RESULTS, type InteractionResult } from './scoring.ts';

export const InteractionLogErrorCode = {
  /** An entry does not match the schema; data: { index, issues }. Nothing of the batch was written. */
  BAD_ENTRY: 'INTERACTION_LOG_BAD_ENTRY',
  /** A task id is already in the log or twice in the batch; data: { taskId }. Nothing was written. */
  DUPLICATE_TASK: 'INTERACTION_LOG_DUPLICATE_TASK',
  /** An entry's epoch is older than the retained ones of its subnet; data: { netuid, epoch }. Nothing was written. */
  EPOCH_PRUNED: 'INTERACTION_LOG_EPOCH_PRUNED',
  /** A log file has a bad line before its last newline; data: { file, line, reason }. */
  CORRUPT: 'INTERACTION_LOG_CORRUPT',
  /** The log was closed. */
  CLOSED: 'INTERACTION_LOG_CLOSED',
} as const;

const HEX32 = /^[0-9a-f]{64}$/;
const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const InteractionEntrySchema = z
  .object({
    /** The task's id (32-byte hex; e.g. the hex of its seed). */
    taskId: z.string().regex(HEX32),
    netuid: uint,
    /** The validator's epoch (tempo index) the task belongs to. */
    epoch: uint,
    minerUid: uint,
    minerHotkey: z.string().regex(HEX32),
    /** blake2b-256 of the miner's signed answer; 32 zero bytes when no answer came. */
    answerHash: z.string().regex(HEX32),
    result: z.enum(INTERACTION_RESULTS),
    score: z.number().min(0).max(1),
    ttftMs: z.number().min(0).nullable(),
    tokensPerSecond: z.number().min(0).nullable(),
    /** Unix time in milliseconds when the result was recorded. */
    at: uint,
    /**
     * What the task's seed was made from besides the epoch secret (the block hash and the
     * counter): with the secret revealed, anyone recomputes the seed, checks it is the task id,
     * and rebuilds the prompt. Not part of the Merkle leaf (the task id commits to them).
     */
    seedBlock: z.string().regex(HEX32).optional(),
    seedCounter: uint.optional(),
  })
  .strict();

export interface InteractionEntry {
  taskId: Hex;
  netuid: number;
  epoch: number;
  minerUid: number;
  minerHotkey: Hex;
  answerHash: Hex;
  result: InteractionResult;
  score: number;
  ttftMs: number | null;
  tokensPerSecond: number | null;
  at: number;
  seedBlock?: Hex;
  seedCounter?: number;
}

export const NO_ANSWER_HASH: Hex = ZERO_HASH;

export interface InteractionLocation {
  netuid: number;
  epoch: number;
  index: number;
  entry: InteractionEntry;
}

export interface InteractionProof {
  entry: InteractionEntry;
  /** interactionLeaf(entry), hex. */
  leaf: Hex;
  proof: MerkleProof;
  root: Hex;
  netuid: number;
  epoch: number;
}

interface EpochFile {
  netuid: number;
  epoch: number;
  file: string;
  entries: InteractionEntry[];
  leaves: Uint8Array[];
  root: Hex | null;
  size: number;
  handle: FileHandle | null;
}

const FILE_RE = /^epoch-(\d+)-(\d+)\.jsonl$/;

export function epochFileName(netuid: number, epoch: number): string {
  return `epoch-${netuid}-${epoch}.jsonl`;
}

/** Fixed key order, so one entry always gives the same line. */
function line(e: InteractionEntry): string {
  return `${JSON.stringify({
    taskId: e.taskId,
    netuid: e.netuid,
    epoch: e.epoch,
    minerUid: e.minerUid,
    minerHotkey: e.minerHotkey,
    answerHash: e.answerHash,
    result: e.result,
    score: e.score,
    ttftMs: e.ttftMs,
    tokensPerSecond: e.tokensPerSecond,
    at: e.at,
    ...(e.seedBlock !== undefined ? { seedBlock: e.seedBlock } : {}),
    ...(e.seedCounter !== undefined ? { seedCounter: e.seedCounter } : {}),
  })}\n`;
}

export interface OpenInteractionLogOptions {
  /** Epochs kept per subnet, the newest ones (default 16). */
  retainEpochs?: number;
}

export class InteractionLog {
  readonly dir: string;
  readonly retainEpochs: number;
  /** Bytes of torn last lines cut off when the log was opened. */
  readonly tornBytes: number;
  private readonly files = new Map<string, EpochFile>();
  private readonly index = new Map<Hex, EpochFile>();
  private readonly dirty = new Set<EpochFile>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(dir: string, retainEpochs: number, tornBytes: number) {
    this.dir = dir;
    this.retainEpochs = retainEpochs;
    this.tornBytes = tornBytes;
  }

  static async open(dir: string, options: OpenInteractionLogOptions = {}): Promise<InteractionLog> {
    const retain = options.retainEpochs ?? 16;
    if (!Number.isSafeInteger(retain) || retain < 1) {
      throw new RangeError('retainEpochs must be a positive integer');
    }
    await mkdir(dir, { recursive: true });
    const loaded: EpochFile[] = [];
    let torn = 0;
    for (const name of (await readdir(dir)).sort()) {
      const m = FILE_RE.exec(name);
      if (m === null) continue;
      const file = path.join(dir, name);
      const { epochFile, tornBytes } = await loadFile(file, Number(m[1]), Number(m[2]));
      loaded.push(epochFile);
      torn += tornBytes;
    }
    const log = new InteractionLog(dir, retain, torn);
    for (const f of loaded) {
      log.files.set(key(f.netuid, f.epoch), f);
      for (const e of f.entries) {
        const other = log.index.get(e.taskId);
        if (other !== undefined) {
          throw corrupt(f.file, 0, `task ${e.taskId} is also in ${other.file}`);
        }
        log.index.set(e.taskId, f);
      }
    }
    await log.prune();
    return log;
  }

  /**
   * Appends a batch: all entries are checked first (a bad one refuses the whole batch, nothing
   * written), then each file gets one append and, unless `sync` is false, one fsync before the
   * promise resolves. With `sync: false` the entries are durable after the next `flush()` (a
   * validator appending task by task flushes once per round).
   */
  append(
    entries: InteractionEntry | readonly InteractionEntry[],
    options: { sync?: boolean } = {},
  ): Promise<void> {
    const batch: readonly InteractionEntry[] = Array.isArray(entries)
      ? entries
      : [entries as InteractionEntry];
    return this.enqueue(() => this.appendNow(batch, options.sync !== false));
  }

  /** Fsyncs every file appended to without sync since the last flush. */
  flush(): Promise<void> {
    return this.enqueue(async () => {
      for (const f of this.dirty) if (f.handle !== null) await f.handle.sync();
      this.dirty.clear();
    });
  }

  /** Work already queued when close() is called still runs; work queued after it is refused. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new NoesisError(InteractionLogErrorCode.CLOSED, 'interaction log closed'),
      );
    }
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(batch: readonly InteractionEntry[], sync: boolean): Promise<void> {
    const clean: InteractionEntry[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < batch.length; i++) {
      const parsed = InteractionEntrySchema.safeParse(batch[i]);
      if (!parsed.success) {
        throw new NoesisError(InteractionLogErrorCode.BAD_ENTRY, 'bad interaction entry', {
          index: i,
          issues: parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`),
        });
      }
      const e = parsed.data as InteractionEntry;
      if (this.index.has(e.taskId) || seen.has(e.taskId)) {
        throw new NoesisError(InteractionLogErrorCode.DUPLICATE_TASK, 'task already logged', {
          taskId: e.taskId,
        });
      }
      seen.add(e.taskId);
      if (this.wouldPrune(e.netuid, e.epoch)) {
        throw new NoesisError(
          InteractionLogErrorCode.EPOCH_PRUNED,
          'epoch older than the retained ones',
          { netuid: e.netuid, epoch: e.epoch },
        );
      }
      clean.push(e);
    }
    const groups = new Map<string, InteractionEntry[]>();
    for (const e of clean) {
      const k = key(e.netuid, e.epoch);
      const g = groups.get(k);
      if (g === undefined) groups.set(k, [e]);
      else g.push(e);
    }
    for (const [k, group] of groups) {
      const first = group[0] as InteractionEntry;
      let f = this.files.get(k);
      let created = false;
      if (f === undefined) {
        f = {
          netuid: first.netuid,
          epoch: first.epoch,
          file: path.join(this.dir, epochFileName(first.netuid, first.epoch)),
          entries: [],
          leaves: [],
          root: null,
          size: 0,
          handle: null,
        };
        created = true;
      }
      if (f.handle === null) f.handle = await open(f.file, 'a');
      const bytes = Buffer.from(group.map(line).join(''), 'utf8');
      try {
        await f.handle.appendFile(bytes);
        if (sync) await f.handle.sync();
      } catch (error) {
        // Put the file back as it was so memory and disk agree; the caller sees the failure.
        await f.handle.truncate(f.size).catch(() => undefined);
        if (created) {
          await f.handle.close().catch(() => undefined);
          f.handle = null;
        }
        throw error;
      }
      if (created) {
        await fsyncDir(this.dir);
        this.files.set(k, f);
      }
      f.size += bytes.length;
      if (!sync) this.dirty.add(f);
      for (const e of group) {
        f.entries.push(e);
        f.leaves.push(interactionLeaf(e));
        this.index.set(e.taskId, f);
      }
      f.root = null;
    }
    await this.prune();
  }

  /** The epoch's entries in log order (empty for an unknown epoch). */
  entries(netuid: number, epoch: number): InteractionEntry[] {
    return [...(this.files.get(key(netuid, epoch))?.entries ?? [])];
  }

  /** The Merkle root the validator commits for the epoch, and its leaf count. */
  root(netuid: number, epoch: number): { root: Hex; count: number } {
    const f = this.files.get(key(netuid, epoch));
    if (f === undefined) return { root: ZERO_HASH, count: 0 };
    f.root ??= merkleRoot(f.leaves);
    return { root: f.root, count: f.entries.length };
  }

  /** Retained epochs with their entry counts, by subnet then epoch. */
  epochs(): Array<{ netuid: number; epoch: number; count: number }> {
    return [...this.files.values()]
      .map((f) => ({ netuid: f.netuid, epoch: f.epoch, count: f.entries.length }))
      .sort((a, b) => a.netuid - b.netuid || a.epoch - b.epoch);
  }

  find(taskId: Hex): InteractionLocation | null {
    const f = this.index.get(taskId);
    if (f === undefined) return null;
    const index = f.entries.findIndex((e) => e.taskId === taskId);
    return {
      netuid: f.netuid,
      epoch: f.epoch,
      index,
      entry: { ...(f.entries[index] as InteractionEntry) },
    };
  }

  prove(taskId: Hex): InteractionProof | null {
    const loc = this.find(taskId);
    if (loc === null) return null;
    const f = this.files.get(key(loc.netuid, loc.epoch)) as EpochFile;
    const { root } = this.root(loc.netuid, loc.epoch);
    return {
      entry: loc.entry,
      leaf: Buffer.from(f.leaves[loc.index] as Uint8Array).toString('hex'),
      proof: merkleProof(f.leaves, loc.index),
      root,
      netuid: loc.netuid,
      epoch: loc.epoch,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    for (const f of this.files.values()) {
      if (f.handle !== null && this.dirty.has(f)) await f.handle.sync();
      if (f.handle !== null) await f.handle.close();
      f.handle = null;
    }
  }

  /** True when adding this epoch would leave it outside the newest `retainEpochs` of its subnet. */
  private wouldPrune(netuid: number, epoch: number): boolean {
    if (this.files.has(key(netuid, epoch))) return false;
    let newer = 0;
    for (const f of this.files.values()) if (f.netuid === netuid && f.epoch > epoch) newer += 1;
    return newer >= this.retainEpochs;
  }

  private async prune(): Promise<void> {
    const bySubnet = new Map<number, EpochFile[]>();
    for (const f of this.files.values()) {
      const list = bySubnet.get(f.netuid);
      if (list === undefined) bySubnet.set(f.netuid, [f]);
      else list.push(f);
    }
    let removed = false;
    for (const list of bySubnet.values()) {
      list.sort((a, b) => b.epoch - a.epoch);
      for (const f of list.slice(this.retainEpochs)) {
        if (f.handle !== null) await f.handle.close();
        f.handle = null;
        this.dirty.delete(f);
        await rm(f.file, { force: true });
        this.files.delete(key(f.netuid, f.epoch));
        for (const e of f.entries) this.index.delete(e.taskId);
        removed = true;
      }
    }
    if (removed) await fsyncDir(this.dir);
  }
}

function key(netuid: number, epoch: number): string {
  return `${netuid}-${epoch}`;
}

function corrupt(file: string, lineNo: number, reason: string): NoesisError {
  return new NoesisError(
    InteractionLogErrorCode.CORRUPT,
    `interaction log ${file} is damaged at line ${lineNo}: ${reason}`,
    { file, line: lineNo, reason },
  );
}

async function loadFile(
  file: string,
  netuid: number,
  epoch: number,
): Promise<{ epochFile: EpochFile; tornBytes: number }> {
  let bytes = await readFile(file);
  const lastNewline = bytes.lastIndexOf(0x0a);
  const keep = lastNewline + 1;
  const tornBytes = bytes.length - keep;
  if (tornBytes > 0) {
    // The last append never returned (no newline yet): cut it so the next append starts clean.
    const handle = await open(file, 'r+');
    try {
      await handle.truncate(keep);
      await handle.sync();
    } finally {
      await handle.close();
    }
    bytes = bytes.subarray(0, keep);
  }
  const epochFile: EpochFile = {
    netuid,
    epoch,
    file,
    entries: [],
    leaves: [],
    root: null,
    size: keep,
    handle: null,
  };
  const text = bytes.toString('utf8');
  const lines = text.length === 0 ? [] : text.slice(0, -1).split('\n');
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw: unknown;
    try {
      raw = JSON.parse(lines[i] as string);
    } catch {
      throw corrupt(file, lineNo, 'not JSON');
    }
    const parsed = InteractionEntrySchema.safeParse(raw);
    if (!parsed.success) {
      throw corrupt(
        file,
        lineNo,
        parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; '),
      );
    }
    const e = parsed.data as InteractionEntry;
    if (e.netuid !== netuid || e.epoch !== epoch) {
      throw corrupt(file, lineNo, `entry of subnet ${e.netuid} epoch ${e.epoch} in the wrong file`);
    }
    if (seen.has(e.taskId)) throw corrupt(file, lineNo, `task ${e.taskId} appears twice`);
    seen.add(e.taskId);
    epochFile.entries.push(e);
    epochFile.leaves.push(interactionLeaf(e));
  }
  return { epochFile, tornBytes };
}
