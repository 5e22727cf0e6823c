/**
 * Catch-up sync: given the heads its peers report (status protocol), the syncer downloads the
 * missing blocks by range from the best peers, a few batches in flight at once, and feeds them
 * to the chain strictly in height order. Every block is checked before it is applied:
 *   decodes → has the expected height → links to the previous hash → its commit is for this
 *   height and hash → `verifyCommit(block, commit)` (the consensus rules: ≥ 2/3 of the voting
 *   power signed) → `apply(block, commit)`.
 * A peer that sends a block failing any check is penalized (score.ts) and its batch is fetched
 * again from another peer; nothing after a bad block is applied.
 *
 * "Synced" is never a stored flag: `status()` derives it from live numbers (this node's height,
 * the best height peers report, peers, blocks remaining, rate, ETA, time since the last block).
 */
import { isNoesisError } from '../errors.ts';
import { P2PErrorCode } from './errors.ts';
import type { BlockEnvelope, ChainStatus } from './messages.ts';
import { MAX_BLOCKS_PER_REQUEST } from './protocols.ts';
import { PenaltyReason } from './score.ts';

/** What the syncer needs to know about one block; the chain adapter extracts it. */
export interface DecodedBlock<B, C> {
  block: B;
  commit: C;
  height: number;
  /** Hex hash of this block (the id its successor's prevHash names). */
  hash: string;
  prevHash: string;
  /** The height and block hash the commit claims to sign. */
  commitHeight: number;
  commitBlockHash: string;
  /** Block time, ms since the epoch (for "time since last block"). */
  timeMs: number;
}

export interface LocalHead {
  height: number;
  hash: string;
  /** Time of the head block (ms since the epoch), null at genesis or when unknown. */
  timeMs: number | null;
}

export interface SyncerOptions<B, C> {
  /** Decodes a wire envelope; throws on malformed bytes. */
  decode(envelope: BlockEnvelope): DecodedBlock<B, C>;
  /** The consensus check of a block against its commit (injected by chain/consensus). */
  verifyCommit(block: B, commit: C): boolean | Promise<boolean>;
  /** Makes the block final locally; called in height order, one at a time. */
  apply(block: B, commit: C, envelope: BlockEnvelope): void | Promise<void>;
  /** This node's head now. */
  head(): LocalHead;
  /** Fetches blocks [start, start+count) from a peer (reqresp blocks_by_range). */
  fetchRange(
    peer: string,
    start: number,
    count: number,
    signal: AbortSignal,
  ): Promise<BlockEnvelope[]>;
  /** Counts a misbehaviour against a peer. */
  penalize(peer: string, reason: PenaltyReason): void;
  /** Blocks per request (default 128, at most MAX_BLOCKS_PER_REQUEST). */
  batchSize?: number;
  /** Requests in flight at once (default 4). */
  maxInFlight?: number;
  /** Blocks behind the best peer still called "synced" (default 1: consensus may be mid-height). */
  syncedTolerance?: number;
  now?: () => number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

export type SyncState = 'no_peers' | 'syncing' | 'synced';

export interface SyncStatus {
  state: SyncState;
  /** peers > 0 and blocksRemaining ≤ tolerance. */
  synced: boolean;
  height: number;
  /** Highest head any peer on our network reports (null with no peers). */
  bestPeerHeight: number | null;
  /** Peers on our network whose status we know. */
  peers: number;
  blocksRemaining: number;
  /** Recent apply rate while syncing (blocks/s), null when idle or unknown. */
  blocksPerSecond: number | null;
  /** blocksRemaining / blocksPerSecond, seconds, null when unknown. */
  etaSeconds: number | null;
  /** Time of this node's head block, ms since the epoch. */
  lastBlockTime: number | null;
  /** now − lastBlockTime, ms. */
  msSinceLastBlock: number | null;
  /** Blocks applied by the syncer since start. */
  applied: number;
  lastError: { peer: string; code: string; message: string } | null;
}

interface PeerHead {
  height: number;
  hash: string;
  inFlight: number;
  /** Skipped until then after a failure (ms since the epoch). */
  coolUntil: number;
}

interface Batch {
  start: number;
  count: number;
  peer: string;
  result: Promise<BlockEnvelope[] | Error>;
}

const RATE_WINDOW_MS = 5_000;

export class Syncer<B, C> {
  private readonly options: SyncerOptions<B, C>;
  private readonly peers = new Map<string, PeerHead>();
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly tolerance: number;
  private readonly now: () => number;
  private readonly log: NonNullable<SyncerOptions<B, C>['log']>;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private abort = new AbortController();
  private applied = 0;
  private readonly recent: number[] = [];
  private lastError: SyncStatus['lastError'] = null;
  private readonly waiters = new Set<{ height: number; resolve: () => void }>();

  constructor(options: SyncerOptions<B, C>) {
    this.options = options;
    this.batchSize = Math.min(MAX_BLOCKS_PER_REQUEST, Math.max(1, options.batchSize ?? 128));
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.tolerance = options.syncedTolerance ?? 1;
    this.now = options.now ?? (() => Date.now());
    this.log = options.log ?? (() => undefined);
  }

  /** Records a peer's head (from its status); wakes the loop when it is ahead of us. */
  setPeerStatus(peer: string, status: Pick<ChainStatus, 'headHeight' | 'headHash'>): void {
    const known = this.peers.get(peer);
    if (known === undefined) {
      this.peers.set(peer, {
        height: status.headHeight,
        hash: status.headHash,
        inFlight: 0,
        coolUntil: 0,
      });
    } else if (status.headHeight >= known.height) {
      known.height = status.headHeight;
      known.hash = status.headHash;
    }
    if (status.headHeight > this.options.head().height) this.kick();
  }

  removePeer(peer: string): void {
    this.peers.delete(peer);
  }

  peerHeads(): Array<{ peer: string; height: number; hash: string }> {
    return [...this.peers].map(([peer, p]) => ({ peer, height: p.height, hash: p.hash }));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort(new Error('syncer stopped'));
    this.kick();
    await this.loop;
    this.loop = null;
  }

  /** Resolves once the local head reaches `height` (tests, and "wait until synced"). */
  waitForHeight(height: number, signal?: AbortSignal): Promise<void> {
    if (this.options.head().height >= height) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { height, resolve };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', () => {
        this.waiters.delete(waiter);
        reject(signal.reason);
      });
    });
  }

  status(): SyncStatus {
    const head = this.options.head();
    const now = this.now();
    let best: number | null = null;
    for (const p of this.peers.values()) best = best === null ? p.height : Math.max(best, p.height);
    const remaining = best === null ? 0 : Math.max(0, best - head.height);
    while (this.recent.length > 0 && now - (this.recent[0] as number) > RATE_WINDOW_MS) {
      this.recent.shift();
    }
    const rate =
      this.recent.length >= 2
        ? (this.recent.length - 1) /
          Math.max(0.001, ((this.recent.at(-1) as number) - (this.recent[0] as number)) / 1000)
        : null;
    const peers = this.peers.size;
    const state: SyncState =
      peers === 0 ? 'no_peers' : remaining > this.tolerance ? 'syncing' : 'synced';
    return {
      state,
      synced: state === 'synced',
      height: head.height,
      bestPeerHeight: best,
      peers,
      blocksRemaining: remaining,
      blocksPerSecond: rate === null ? null : Math.round(rate * 10) / 10,
      etaSeconds: rate === null || remaining === 0 ? null : Math.ceil(remaining / rate),
      lastBlockTime: head.timeMs,
      msSinceLastBlock: head.timeMs === null ? null : Math.max(0, now - head.timeMs),
      applied: this.applied,
      lastError: this.lastError,
    };
  }

  /** Wakes the loop (a new peer status, a new block). */
  kick(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private target(): number {
    let best = 0;
    for (const p of this.peers.values()) best = Math.max(best, p.height);
    return best;
  }

  /** The least-busy peer that has `height`, not cooling down; null if none. */
  private pickPeer(height: number, exclude?: string): string | null {
    const now = this.now();
    let chosen: string | null = null;
    let chosenLoad = Infinity;
    for (const [peer, p] of this.peers) {
      if (p.height < height || p.coolUntil > now || peer === exclude) continue;
      if (p.inFlight < chosenLoad) {
        chosen = peer;
        chosenLoad = p.inFlight;
      }
    }
    return chosen;
  }

  private launch(start: number, count: number, exclude?: string): Batch | null {
    const peer = this.pickPeer(start, exclude) ?? this.pickPeer(start);
    if (peer === null) return null;
    const head = this.peers.get(peer) as PeerHead;
    const n = Math.min(count, head.height - start + 1);
    head.inFlight++;
    const result = this.options
      .fetchRange(peer, start, n, this.abort.signal)
      .then(
        (blocks) => blocks as BlockEnvelope[] | Error,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      )
      .finally(() => {
        const p = this.peers.get(peer);
        if (p !== undefined) p.inFlight--;
      });
    return { start, count: n, peer, result };
  }

  private async run(): Promise<void> {
    const queue: Batch[] = [];
    while (this.running) {
      const local = this.options.head().height;
      const target = this.target();
      if (target <= local) {
        queue.length = 0;
        await this.sleep(1_000);
        continue;
      }
      // Keep maxInFlight contiguous batches ahead of the local head.
      let next =
        queue.length > 0
          ? (queue.at(-1) as Batch).start + (queue.at(-1) as Batch).count
          : local + 1;
      if (queue.length > 0 && (queue[0] as Batch).start !== local + 1) {
        queue.length = 0; // the head moved under us (consensus applied blocks): start over
        next = local + 1;
      }
      while (queue.length < this.maxInFlight && next <= target) {
        const batch = this.launch(next, Math.min(this.batchSize, target - next + 1));
        if (batch === null) break;
        queue.push(batch);
        next += batch.count;
      }
      const first = queue.shift();
      if (first === undefined) {
        await this.sleep(500); // every able peer is cooling down
        continue;
      }
      const result = await first.result;
      if (!this.running) break;
      const done = result instanceof Error ? 0 : await this.applyBatch(first, result);
      if (result instanceof Error) this.fail(first.peer, result);
      if (done < first.count) {
        // Fetch the rest of this batch again, preferably elsewhere; later batches stay queued.
        const retry = this.launch(first.start + done, first.count - done, first.peer);
        if (retry !== null) queue.unshift(retry);
        else queue.length = 0;
      }
    }
  }

  /** Verifies and applies a batch in order; returns how many blocks were applied. */
  private async applyBatch(batch: Batch, envelopes: BlockEnvelope[]): Promise<number> {
    let applied = 0;
    for (const envelope of envelopes) {
      if (!this.running) break;
      const head = this.options.head();
      const expected = batch.start + applied;
      if (head.height + 1 !== expected) break; // the chain moved on by itself
      let decoded: DecodedBlock<B, C>;
      try {
        decoded = this.options.decode(envelope);
      } catch (error) {
        this.reject(batch.peer, PenaltyReason.MALFORMED, `undecodable block at ${expected}`, error);
        return applied;
      }
      const problem =
        decoded.height !== expected
          ? `block ${decoded.height} where ${expected} was asked`
          : decoded.prevHash !== head.hash
            ? `block ${expected} does not link to our head`
            : decoded.commitHeight !== decoded.height || decoded.commitBlockHash !== decoded.hash
              ? `commit of block ${expected} is for another block`
              : null;
      if (problem !== null) {
        this.reject(batch.peer, PenaltyReason.INVALID_BLOCK, problem);
        return applied;
      }
      let valid = false;
      try {
        valid = await this.options.verifyCommit(decoded.block, decoded.commit);
      } catch (error) {
        this.log('sync: verifyCommit threw', { height: expected, error: String(error) });
      }
      if (!valid) {
        this.reject(batch.peer, PenaltyReason.INVALID_BLOCK, `block ${expected} fails its commit`);
        return applied;
      }
      await this.options.apply(decoded.block, decoded.commit, envelope);
      applied++;
      this.applied++;
      this.recent.push(this.now());
      if (this.recent.length > 4096) this.recent.splice(0, this.recent.length - 4096);
      this.notify(decoded.height);
    }
    if (envelopes.length < batch.count && applied === envelopes.length) {
      // Short answer from a peer that claimed these heights: maybe it pruned, maybe it lies.
      this.cool(batch.peer);
    }
    return applied;
  }

  private notify(height: number): void {
    for (const waiter of this.waiters) {
      if (height >= waiter.height) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private cool(peer: string): void {
    const p = this.peers.get(peer);
    if (p !== undefined) p.coolUntil = this.now() + 5_000;
  }

  private reject(peer: string, reason: PenaltyReason, message: string, cause?: unknown): void {
    this.lastError = { peer, code: P2PErrorCode.INVALID_BLOCK, message };
    this.log('sync: bad block from peer', { peer, message, cause: cause ? String(cause) : null });
    this.options.penalize(peer, reason);
    // Its claimed head cannot be trusted any more; the next status exchange restores it.
    this.peers.delete(peer);
  }

  private fail(peer: string, error: Error): void {
    if (!this.running) return;
    const code = isNoesisError(error) ? error.code : 'P2P_ERROR';
    this.lastError = { peer, code, message: error.message };
    this.log('sync: range request failed', { peer, code, message: error.message });
    this.cool(peer);
  }
}
