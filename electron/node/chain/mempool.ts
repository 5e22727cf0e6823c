/**
 * Pending transactions. Entry checks: size, chain id and signature (stateless), then nonce (not
 * used yet, at most `maxNonceAhead` ahead), fee, and that the signer's free balance covers this
 * transaction plus its pending ones before it; a transaction whose nonce is next is fully
 * executed against the tip state, so anything the next block would refuse is refused now.
 *
 * Order: per signer by nonce (only a contiguous run from the account's nonce is ready); across
 * signers the ready head with the highest fee goes first, ties by arrival. Bounded: when full, a
 * newcomer must pay more than the cheapest evictable transaction (the last of some signer's run),
 * which is dropped. Replace-by-fee: same signer and nonce with a strictly higher fee replaces the
 * pending one. The same transaction twice is refused.
 */
import { encodeSignedTx } from './codec.ts';
import { hash256, toHex, type Hex } from './crypto.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import { HOTKEY_SIGNED, type SignedTx } from './tx.ts';
import { applyTx, checkTxStateless } from './state.ts';
import type { ChainState } from './types.ts';

export interface MempoolOptions {
  maxSize?: number;
  maxNonceAhead?: number;
}

interface Entry {
  tx: SignedTx;
  hash: Hex;
  seq: number;
}

/** Rao a transaction can take from the signer's free balance at most. */
function maxCost(tx: SignedTx, state: ChainState): bigint {
  const b = tx.body;
  switch (b.kind) {
    case 'transfer':
    case 'add_stake':
      return b.fee + b.amount;
    case 'register':
      return b.fee + b.maxBurn;
    case 'create_subnet':
      return b.fee + b.maxLock;
    case 'propose':
      return b.fee + b.deposit;
    default:
      return b.fee;
  }
  void state;
}

/** Signers' next transactions re-checked after each block (bounds the work per block). */
const MAX_HEADS_CHECKED = 512;
/** Refusals that may pass later: keep the transaction waiting. */
const TRANSIENT: ReadonlySet<string> = new Set([
  ChainErrorCode.NONCE_GAP,
  ChainErrorCode.RATE_LIMITED,
  ChainErrorCode.INSUFFICIENT_BALANCE,
  ChainErrorCode.WEIGHTS_TOO_SOON,
  ChainErrorCode.REVEAL_WRONG_EPOCH,
]);

export class Mempool {
  private readonly bySigner = new Map<Hex, Map<number, Entry>>();
  private readonly byHash = new Map<Hex, Entry>();
  private readonly maxSize: number;
  private readonly maxNonceAhead: number;
  private seq = 0;

  constructor(options: MempoolOptions = {}) {
    this.maxSize = options.maxSize ?? 10_000;
    this.maxNonceAhead = options.maxNonceAhead ?? 64;
  }

  get size(): number {
    return this.byHash.size;
  }

  has(hash: Hex): boolean {
    return this.byHash.has(hash);
  }

  /** Checks and adds `tx`; returns its hash. Throws a ChainError saying why it was refused. */
  add(tx: SignedTx, state: ChainState, options: { checked?: boolean } = {}): Hex {
    const bytes = encodeSignedTx(tx);
    const hash = toHex(hash256(bytes));
    if (this.byHash.has(hash)) {
      throw chainError(ChainErrorCode.DUPLICATE_TX, 'transaction already pending', { hash });
    }
    // `checked`: the caller got `tx` from decodeTx, which ran these same checks on its bytes.
    if (options.checked !== true) checkTxStateless(state.chainId, tx, bytes.length);
    const b = tx.body;
    const account = state.accounts.get(b.signer) ?? { free: 0n, nonce: 0 };
    if (b.nonce < account.nonce) {
      throw chainError(ChainErrorCode.NONCE_REPLAYED, 'nonce already used', {
        expected: account.nonce,
        actual: b.nonce,
      });
    }
    if (b.nonce > account.nonce + this.maxNonceAhead) {
      throw chainError(ChainErrorCode.NONCE_TOO_FAR, 'nonce too far ahead', {
        expected: account.nonce,
        actual: b.nonce,
        maxAhead: this.maxNonceAhead,
      });
    }
    const minFee = HOTKEY_SIGNED.has(b.kind) ? 0n : state.params.minFee;
    if (b.fee < minFee) {
      throw chainError(ChainErrorCode.FEE_TOO_LOW, 'fee below the minimum', {
        fee: b.fee.toString(),
        min: minFee.toString(),
      });
    }
    const queue = this.bySigner.get(b.signer);
    const existing = queue?.get(b.nonce);
    if (existing !== undefined && b.fee <= existing.tx.body.fee) {
      throw chainError(
        ChainErrorCode.REPLACEMENT_UNDERPRICED,
        'a pending transaction with this nonce pays as much',
        {
          pendingFee: existing.tx.body.fee.toString(),
        },
      );
    }
    let before = 0n;
    if (queue) for (const [n, e] of queue) if (n < b.nonce) before += maxCost(e.tx, state);
    const needed = before + maxCost(tx, state);
    if (needed > account.free) {
      throw chainError(
        ChainErrorCode.INSUFFICIENT_BALANCE,
        'free balance does not cover pending transactions',
        {
          needed: needed.toString(),
          free: account.free.toString(),
        },
      );
    }
    if (b.nonce === account.nonce) {
      const r = applyTx(state, tx, { skipSignature: true });
      if (!r.ok) throw r.error;
    }
    if (existing === undefined && this.byHash.size >= this.maxSize) this.evictFor(b.fee);
    if (existing !== undefined) this.byHash.delete(existing.hash);
    const entry: Entry = { tx, hash, seq: this.seq++ };
    const q = queue ?? new Map<number, Entry>();
    q.set(b.nonce, entry);
    this.bySigner.set(b.signer, q);
    this.byHash.set(hash, entry);
    return hash;
  }

  /** Drops the cheapest transaction that ends a signer's run, if `fee` beats it. */
  private evictFor(fee: bigint): void {
    let victim: Entry | null = null;
    for (const q of this.bySigner.values()) {
      let last: Entry | null = null;
      for (const e of q.values())
        if (last === null || e.tx.body.nonce > last.tx.body.nonce) last = e;
      if (last && (victim === null || last.tx.body.fee < victim.tx.body.fee)) victim = last;
    }
    if (victim === null || victim.tx.body.fee >= fee) {
      throw chainError(ChainErrorCode.MEMPOOL_FULL, 'mempool full; pay a higher fee', {
        lowestFee: victim?.tx.body.fee.toString() ?? null,
      });
    }
    this.remove(victim.hash);
  }

  remove(hash: Hex): void {
    const e = this.byHash.get(hash);
    if (e === undefined) return;
    this.byHash.delete(hash);
    const q = this.bySigner.get(e.tx.body.signer);
    q?.delete(e.tx.body.nonce);
    if (q && q.size === 0) this.bySigner.delete(e.tx.body.signer);
  }

  /** Ready transactions in block order, at most `max` (a heap of each signer's next one). */
  select(state: ChainState, max: number): SignedTx[] {
    type Head = { signer: Hex; next: number; entry: Entry };
    const before = (a: Head, b: Head) =>
      a.entry.tx.body.fee > b.entry.tx.body.fee ||
      (a.entry.tx.body.fee === b.entry.tx.body.fee && a.entry.seq < b.entry.seq);
    const heap: Head[] = [];
    const up = (i: number) => {
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!before(heap[i] as Head, heap[p] as Head)) break;
        [heap[i], heap[p]] = [heap[p] as Head, heap[i] as Head];
        i = p;
      }
    };
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Head, heap[m] as Head)) m = l;
        if (r < heap.length && before(heap[r] as Head, heap[m] as Head)) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m] as Head, heap[i] as Head];
        i = m;
      }
    };
    for (const [signer, q] of this.bySigner) {
      const nonce = state.accounts.get(signer)?.nonce ?? 0;
      const e = q.get(nonce);
      if (e) {
        heap.push({ signer, next: nonce, entry: e });
        up(heap.length - 1);
      }
    }
    const out: SignedTx[] = [];
    while (out.length < max && heap.length > 0) {
      const top = heap[0] as Head;
      out.push(top.entry.tx);
      const following = this.bySigner.get(top.signer)?.get(top.next + 1);
      if (following) {
        heap[0] = { signer: top.signer, next: top.next + 1, entry: following };
      } else {
        const last = heap.pop() as Head;
        if (heap.length === 0) break;
        heap[0] = last;
      }
      down(0);
    }
    return out;
  }

  /**
   * After a block: drops what was included or can no longer apply (nonce now used), and each
   * signer's next transaction that the new state refuses for good. Without that last step a
   * transaction that failed in someone else's block (every node but the producer) would hold its
   * nonce forever, and every later transaction of its signer would wait behind it; a hotkey that
   * pays no fee could not even replace it. Refusals that pass with time stay.
   */
  prune(state: ChainState, rejected: readonly Hex[] = []): void {
    for (const h of rejected) this.remove(h);
    let checked = 0;
    for (const [signer, q] of [...this.bySigner]) {
      const nonce = state.accounts.get(signer)?.nonce ?? 0;
      for (const [n, e] of [...q]) if (n < nonce) this.remove(e.hash);
      const head = q.get(nonce);
      if (head === undefined || checked >= MAX_HEADS_CHECKED) continue;
      checked++;
      const r = applyTx(state, head.tx, { skipSignature: true });
      if (!r.ok && !TRANSIENT.has(r.error.code)) this.remove(head.hash);
    }
  }

  /** The nonce a new transaction of `signer` should use: after its pending run. */
  nextNonce(signer: Hex, state: ChainState): number {
    let n = state.accounts.get(signer)?.nonce ?? 0;
    const q = this.bySigner.get(signer);
    while (q?.has(n)) n++;
    return n;
  }

  pending(): SignedTx[] {
    return [...this.byHash.values()].sort((a, b) => a.seq - b.seq).map((e) => e.tx);
  }
}
