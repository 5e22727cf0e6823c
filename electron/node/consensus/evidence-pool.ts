/**
 * The evidence pool: proofs of double signing (two conflicting signed votes, chain/block.ts
 * Evidence) this node found itself (its consensus machine) or received on the `evidence` gossip
 * topic, waiting for a block. Every piece is checked against the chain on entry
 * (chain/validators.ts checkEvidence, as a block would apply it) and again when a block is built
 * from the pool; it leaves once a block applied it (its id is in state.slashes), once it is older
 * than params.evidenceMaxAge, or once its validator has left the validator list.
 *
 * Bounded: at most `max` pieces; when full, a newer offence replaces the oldest one. Pure data,
 * no I/O: the shell (shell.ts) gossips what `add` accepted.
 */
import type { Evidence } from '../chain/block.ts';
import { MAX_BLOCK_EVIDENCE } from '../chain/block.ts';
import type { Hex } from '../chain/crypto.ts';
import type { ChainState } from '../chain/types.ts';
import { checkEvidence } from '../chain/validators.ts';

export const DEFAULT_POOL_SIZE = 256;

interface Entry {
  readonly evidence: Evidence;
  readonly validator: Hex;
  readonly offenceHeight: number;
}

export class EvidencePool {
  private readonly entries = new Map<Hex, Entry>();
  private readonly max: number;

  constructor(options: { max?: number } = {}) {
    this.max = options.max ?? DEFAULT_POOL_SIZE;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: Hex): boolean {
    return this.entries.has(id);
  }

  /**
   * Checks `e` against `state` as block state.height + 1 would and keeps it. Returns 'known' when
   * the pool holds it already; throws the chain's BAD_EVIDENCE error (data.reason) otherwise.
   */
  add(state: ChainState, e: Evidence): { result: 'added' | 'known'; id: Hex } {
    const { id, validator } = checkEvidence(state, state.height + 1, e);
    if (this.entries.has(id)) return { result: 'known', id };
    if (this.entries.size >= this.max) {
      let oldest: [Hex, Entry] | null = null;
      for (const kv of this.entries) {
        if (oldest === null || kv[1].offenceHeight < oldest[1].offenceHeight) oldest = kv;
      }
      if (oldest !== null && oldest[1].offenceHeight >= e.a.height) return { result: 'known', id };
      if (oldest !== null) this.entries.delete(oldest[0]);
    }
    this.entries.set(id, { evidence: e, validator: validator.key, offenceHeight: e.a.height });
    return { result: 'added', id };
  }

  /**
   * What the next block on `state` may carry: pieces that still apply, oldest offence first, at
   * most one per validator (the first removes it from the list, so a second would not apply).
   */
  pending(state: ChainState, max = MAX_BLOCK_EVIDENCE): Evidence[] {
    this.prune(state);
    const out: Evidence[] = [];
    const named = new Set<Hex>();
    const sorted = [...this.entries.values()].sort((a, b) => a.offenceHeight - b.offenceHeight);
    for (const entry of sorted) {
      if (out.length >= max) break;
      if (named.has(entry.validator)) continue;
      named.add(entry.validator);
      out.push(entry.evidence);
    }
    return out;
  }

  /** Drops what `state` applied, what expired and what names a validator no longer listed. */
  prune(state: ChainState): void {
    for (const [id, entry] of this.entries) {
      try {
        checkEvidence(state, state.height + 1, entry.evidence, { skipSignatures: true });
      } catch {
        this.entries.delete(id);
      }
    }
  }
}
