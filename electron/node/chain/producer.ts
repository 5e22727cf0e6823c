/**
 * The block producer of the embedded local network: this node's validator is the only one, so a
 * block is final as soon as it signs it. Every interval it takes ready transactions from the
 * mempool, builds the next block (buildBlock skips any that fail), signs the commit, and hands
 * both to the store, which logs and fsyncs before the state moves. The multi-validator network
 * replaces this with consensus/ using the same block format.
 */
import { signCommit, type Evidence } from './block.ts';
import type { Hex } from './crypto.ts';
import { ChainErrorCode } from './errors.ts';
import type { Mempool } from './mempool.ts';
import { buildBlock, type BuildResult } from './state.ts';
import type { ChainStore, CommittedBlock } from './store/chain-store.ts';
import { txHash } from './tx.ts';
import type { ChainEvent } from './types.ts';

export interface ProducerOptions {
  store: ChainStore;
  mempool: Mempool;
  validatorSecret: Uint8Array;
  validatorKey: Hex;
  intervalMs: number;
  maxTxsPerBlock?: number;
  now?: () => number;
  onBlock?: (block: CommittedBlock, events: readonly ChainEvent[]) => void;
  onError?: (error: unknown) => void;
}

export class BlockProducer {
  private readonly o: ProducerOptions;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<unknown> = Promise.resolve();
  private stopped = true;

  constructor(options: ProducerOptions) {
    this.o = options;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const last = this.o.store.state.lastBlockTime;
    const now = (this.o.now ?? Date.now)();
    const wait = Math.max(0, Math.min(this.o.intervalMs, last + this.o.intervalMs - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      const run = this.produceOne().then(
        () => undefined,
        (error: unknown) => this.o.onError?.(error),
      );
      this.inFlight = run;
      void run.then(() => this.schedule());
    }, wait);
  }

  private lock: Promise<unknown> = Promise.resolve();

  /** Builds, signs and commits one block now (serialized with the timer's blocks). */
  produceOne(): Promise<CommittedBlock> {
    const next = this.lock.then(() => this.produceNow());
    this.lock = next.catch(() => undefined);
    return next;
  }

  private async produceNow(): Promise<CommittedBlock> {
    const { store, mempool } = this.o;
    const built = buildNextBlock(store, mempool, {
      proposer: this.o.validatorKey,
      time: (this.o.now ?? Date.now)(),
      maxTxs: this.o.maxTxsPerBlock,
    });
    const commit = signCommit(
      store.state.chainId,
      built.block.header.height,
      built.hash,
      this.o.validatorSecret,
      this.o.validatorKey,
    );
    const committed = await store.commitBlock(built.block, commit, built.state, built.events);
    pruneMempool(mempool, built);
    this.o.onBlock?.(committed, built.events);
    return committed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }
}

/**
 * The next block on the store's tip from the mempool's ready transactions (those that fail are
 * skipped), with the tip's commit as lastCommit: the single producer's block and a consensus
 * proposal alike (consensus/shell.ts, which also hands in its evidence pool's pending evidence).
 */
export function buildNextBlock(
  store: ChainStore,
  mempool: Mempool,
  input: { proposer: Hex; time: number; maxTxs?: number; evidence?: readonly Evidence[] },
): BuildResult {
  const state = store.state;
  return buildBlock(state, {
    time: input.time,
    proposer: input.proposer,
    lastCommit: store.tipCommit,
    txs: mempool.select(state, input.maxTxs ?? 5000),
    ...(input.evidence === undefined ? {} : { evidence: input.evidence }),
  });
}

/** Drops what a committed block included, and what failed in it for good, from the mempool. */
export function pruneMempool(mempool: Mempool, built: BuildResult): void {
  mempool.prune(
    built.state,
    // A nonce gap only means an earlier transaction of the signer failed, and a rate limit (one
    // registration per block, serving too soon) passes with the blocks: keep those waiting. A
    // dropped transaction would not come back: its signer's node re-announces the same bytes,
    // which gossip has already seen.
    built.rejected
      .filter(
        (r) =>
          r.error.code !== ChainErrorCode.NONCE_GAP && r.error.code !== ChainErrorCode.RATE_LIMITED,
      )
      .map((r) => txHash(r.tx)),
  );
}
