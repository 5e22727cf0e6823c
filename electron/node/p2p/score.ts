/**
 * Application-level peer scores (Lodestar's `peers/score`): every peer starts at 0; misbehaviour
 * subtracts a penalty by reason, good behaviour never adds (so a peer cannot bank credit to
 * spend on abuse). Scores decay toward 0 with a half-life. A peer whose score falls to or below
 * `banThreshold` is disconnected (through `onBan`) and refused by the connection gater for
 * `banMs`; its score stays frozen while banned.
 */

export const PenaltyReason = {
  /** Bytes that do not decode as the message they claim to be. */
  MALFORMED: 'malformed',
  /** A frame or message over its protocol's or topic's size limit. */
  OVERSIZED: 'oversized',
  /** Decodes but is provably invalid (bad signature, unknown tag, validator rejected it). */
  INVALID: 'invalid',
  /** A synced block that fails linkage or commit verification. */
  INVALID_BLOCK: 'invalid_block',
  /** A request beyond the peer's quota. */
  RATE_LIMITED: 'rate_limited',
  /** A request or response that never arrived in time. */
  TIMEOUT: 'timeout',
  /** The peer is on another chain (chain id or genesis). */
  WRONG_NETWORK: 'wrong_network',
  /** A response that breaks the protocol (too many chunks, wrong items). */
  PROTOCOL_VIOLATION: 'protocol_violation',
} as const;
export type PenaltyReason = (typeof PenaltyReason)[keyof typeof PenaltyReason];

export const DEFAULT_PENALTIES: Readonly<Record<PenaltyReason, number>> = {
  malformed: 10,
  oversized: 20,
  invalid: 20,
  invalid_block: 100,
  rate_limited: 5,
  timeout: 2,
  wrong_network: 100,
  protocol_violation: 20,
};

export interface PeerScoreOptions {
  /** A score at or below this bans the peer (default -50). */
  banThreshold?: number;
  /** How long a ban lasts (default 30 min). */
  banMs?: number;
  /** Score half-life (default 10 min). */
  halfLifeMs?: number;
  penalties?: Partial<Record<PenaltyReason, number>>;
  now?: () => number;
  /** Called once when a peer gets banned: disconnect it. */
  onBan?: (peer: string, reason: PenaltyReason) => void;
}

interface PeerRecord {
  score: number;
  updated: number;
  bannedUntil: number;
  penalties: Partial<Record<PenaltyReason, number>>;
}

export interface PeerScoreView {
  peer: string;
  score: number;
  banned: boolean;
  bannedUntil: number | null;
  /** How many times each reason was counted against the peer. */
  penalties: Partial<Record<PenaltyReason, number>>;
}

export const MIN_SCORE = -100;

export class PeerScoreBook {
  private readonly records = new Map<string, PeerRecord>();
  private readonly banThreshold: number;
  private readonly banMs: number;
  private readonly halfLifeMs: number;
  private readonly penalties: Record<PenaltyReason, number>;
  private readonly now: () => number;
  private readonly onBan: (peer: string, reason: PenaltyReason) => void;

  constructor(options: PeerScoreOptions = {}) {
    this.banThreshold = options.banThreshold ?? -50;
    this.banMs = options.banMs ?? 30 * 60_000;
    this.halfLifeMs = options.halfLifeMs ?? 10 * 60_000;
    this.penalties = { ...DEFAULT_PENALTIES, ...options.penalties };
    this.now = options.now ?? (() => Date.now());
    this.onBan = options.onBan ?? (() => undefined);
  }

  /** Counts one misbehaviour against `peer`; returns the new score. */
  penalize(peer: string, reason: PenaltyReason): number {
    const record = this.refresh(peer);
    record.penalties[reason] = (record.penalties[reason] ?? 0) + 1;
    if (record.bannedUntil > this.now()) return record.score;
    record.score = Math.max(MIN_SCORE, record.score - this.penalties[reason]);
    if (Math.round(record.score) <= this.banThreshold) {
      record.bannedUntil = this.now() + this.banMs;
      this.onBan(peer, reason);
    }
    return record.score;
  }

  score(peer: string): number {
    return this.records.has(peer) ? this.refresh(peer).score : 0;
  }

  isBanned(peer: string): boolean {
    const record = this.records.get(peer);
    return record !== undefined && record.bannedUntil > this.now();
  }

  view(peer: string): PeerScoreView {
    const record = this.records.has(peer) ? this.refresh(peer) : null;
    const banned = record !== null && record.bannedUntil > this.now();
    return {
      peer,
      score: record?.score ?? 0,
      banned,
      bannedUntil: banned ? record.bannedUntil : null,
      penalties: { ...record?.penalties },
    };
  }

  /** Every peer with a record (penalized at least once). */
  all(): PeerScoreView[] {
    return [...this.records.keys()].map((peer) => this.view(peer));
  }

  /** Drops records that decayed back to ~0 and are not banned. */
  prune(): void {
    for (const peer of [...this.records.keys()]) {
      const record = this.refresh(peer);
      if (record.bannedUntil <= this.now() && Math.abs(record.score) < 0.5) {
        this.records.delete(peer);
      }
    }
  }

  private refresh(peer: string): PeerRecord {
    const now = this.now();
    let record = this.records.get(peer);
    if (record === undefined) {
      record = { score: 0, updated: now, bannedUntil: 0, penalties: {} };
      this.records.set(peer, record);
      return record;
    }
    // No decay while banned: the ban runs its full length, then the score decays from there.
    const from = Math.max(record.updated, record.bannedUntil);
    if (now > from) {
      record.score *= Math.pow(0.5, (now - from) / this.halfLifeMs);
    }
    record.updated = now;
    return record;
  }
}
