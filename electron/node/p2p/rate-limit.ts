/**
 * Per-peer, per-protocol request quotas (Lodestar's `rateLimit.ts`): a token bucket per
 * (protocol, peer) holding at most `quota.items` tokens and refilling `quota.items` per
 * `quota.periodMs`. A request costs its item count (blocks for blocks_by_range, 1 otherwise).
 * A request that does not fit is refused whole; the caller answers RATE_LIMITED and penalizes.
 * Idle buckets are pruned so a stream of one-off peers cannot grow memory.
 */
import type { RateQuota } from './protocols.ts';

interface Bucket {
  tokens: number;
  updated: number;
}

export interface RateLimiterOptions {
  now?: () => number;
  /** Buckets untouched this long are dropped (default 5 min). */
  idleMs?: number;
}

export class RateLimiter {
  private readonly quotas: ReadonlyMap<string, RateQuota>;
  private readonly buckets = new Map<string, Map<string, Bucket>>();
  private readonly now: () => number;
  private readonly idleMs: number;
  private lastPrune = 0;

  constructor(quotas: Record<string, RateQuota>, options: RateLimiterOptions = {}) {
    this.quotas = new Map(Object.entries(quotas));
    this.now = options.now ?? (() => Date.now());
    this.idleMs = options.idleMs ?? 5 * 60_000;
  }

  /** Takes `items` tokens from the peer's bucket for `protocol`; false when they are not there. */
  allow(protocol: string, peer: string, items = 1): boolean {
    const quota = this.quotas.get(protocol);
    if (quota === undefined) return true;
    if (items > quota.items) return false;
    const now = this.now();
    this.prune(now);
    let perPeer = this.buckets.get(protocol);
    if (perPeer === undefined) {
      perPeer = new Map();
      this.buckets.set(protocol, perPeer);
    }
    let bucket = perPeer.get(peer);
    if (bucket === undefined) {
      bucket = { tokens: quota.items, updated: now };
      perPeer.set(peer, bucket);
    } else {
      const refill = ((now - bucket.updated) * quota.items) / quota.periodMs;
      bucket.tokens = Math.min(quota.items, bucket.tokens + refill);
      bucket.updated = now;
    }
    if (bucket.tokens < items) return false;
    bucket.tokens -= items;
    return true;
  }

  /** Forgets a peer (disconnected); its next request starts with a full bucket. */
  forget(peer: string): void {
    for (const perPeer of this.buckets.values()) perPeer.delete(peer);
  }

  /** Buckets held, for tests and metrics. */
  size(): number {
    let n = 0;
    for (const perPeer of this.buckets.values()) n += perPeer.size;
    return n;
  }

  private prune(now: number): void {
    if (now - this.lastPrune < this.idleMs) return;
    this.lastPrune = now;
    for (const perPeer of this.buckets.values()) {
      for (const [peer, bucket] of perPeer) {
        if (now - bucket.updated > this.idleMs) perPeer.delete(peer);
      }
    }
  }
}
