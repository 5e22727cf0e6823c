/**
 * Tendermint consensus (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus",
 * arXiv:1807.04938, Algorithm 1) as a pure state machine:
 *
 *   step(state, input) → { state, actions }
 *
 * Inputs: a signed proposal (with the shell's verdict valid(v) on its block), a signed prevote
 * or precommit, a timeout (step, height, round), "new height" (with that height's validator set)
 * and "value ready" (the block this node proposes). Actions: persist-then-broadcast a signed
 * message, ask for a value, schedule a timeout, decide (block id + its commit certificate),
 * report evidence of double signing, reject a bad message (for peer scoring).
 *
 * This module owns the rules of one height; it does no I/O, reads no clock, never mutates its
 * inputs (every state is a fresh object sharing unchanged parts), and never throws on network
 * input. It must not know about libp2p, blocks' contents or storage: the shell
 * (a) executes actions in order, and never sends a `broadcast` before the `persist` before it has
 * been made durable by the signing guard (signing-guard.ts); (b) delivers timeouts it was asked to
 * schedule; (c) after `decide`, applies the block and feeds `new-height` with the next set.
 *
 * Line numbers in comments are Algorithm 1's. Deviations, each safe:
 *  - the proposer also schedules timeoutPropose (l.21 only does it for others), so a proposer
 *    whose shell never delivers a value still moves on;
 *  - the decide rule (l.49) accepts the value from any valid proposal seen at this height with
 *    that block id, not only round r's (the id fixes the block; this helps a node that saw an
 *    equivocating proposer's other proposal first);
 *  - votes are counted as the paper counts messages: a validator that signs two different votes
 *    of one type in one round counts once towards each value (and once in "2f+1 of anything"),
 *    so every node sees the same polkas whichever of the two it received first. This stays safe:
 *    two values with +2/3 each would need more than 1/3 of the power to have voted twice;
 *  - memory is bounded: at most MAX_VOTES_PER_VALIDATOR different votes of one validator per
 *    round and type (more only adds evidence), MAX_PROPOSALS_PER_ROUND proposals per round, at most
 *    MAX_FUTURE_ROUNDS distinct rounds above round+1 per validator, MAX_BUFFERED messages of the
 *    next height;
 *  - after a restart, the node never signs at or below its last signed (round, step) of the
 *    height (restored from the signing guard), except to resend the identical message.
 */
import type { Commit } from '../chain/block.ts';
import {
  buildCommit,
  CHAIN_CRYPTO,
  isWellFormed,
  NIL,
  signerOf,
  signProposal,
  signVote,
  STEP_ORDER,
  stepOf,
  verifyMessage,
  type ConsensusCrypto,
  type ConsensusMessage,
  type Hex,
  type SignedProposal,
  type SignedVote,
  type SignStep,
  type VoteType,
} from './messages.ts';
import {
  duplicateProposalEvidence,
  duplicateVoteEvidence,
  type ConsensusEvidence,
} from './evidence.ts';
import {
  hasOneThird,
  hasTwoThirds,
  powerOf,
  proposerOf,
  type ValidatorSet,
} from './validator-set.ts';

export const MAX_PROPOSALS_PER_ROUND = 4;
export const MAX_FUTURE_ROUNDS = 4;
export const MAX_VOTES_PER_VALIDATOR = 2;
export const MAX_BUFFERED = 4096;

export interface TimeoutConfig {
  /** timeoutX(r) = X + r·deltaMs (l.57–67: grows per round, resets per height). */
  readonly proposeMs: number;
  readonly prevoteMs: number;
  readonly precommitMs: number;
  readonly deltaMs: number;
}

/** CometBFT-like defaults for desktops on home links (research §3.4). */
export const DEFAULT_TIMEOUTS: TimeoutConfig = {
  proposeMs: 3000,
  prevoteMs: 1000,
  precommitMs: 1000,
  deltaMs: 500,
};

export interface MachineConfig {
  readonly chainId: string;
  /** This node's consensus key pair; null for a node that follows without voting. */
  readonly signer: { readonly key: Hex; readonly secretKey: Uint8Array } | null;
  readonly timeouts: TimeoutConfig;
  readonly crypto: ConsensusCrypto;
}

export interface LockState {
  readonly lockedRound: number;
  readonly lockedValue: Hex | null;
  readonly validRound: number;
  readonly validValue: Hex | null;
}

/** What the signing guard remembers, handed back after a restart (signing-guard.ts). */
export interface RestoredSigning {
  readonly height: number;
  /** The highest (round, step) this validator signed. */
  readonly lastSigned: ConsensusMessage;
  readonly lock: LockState;
  /**
   * Everything it signed at `height` (oldest first, lastSigned last): resent after a restart,
   * since copies sent before the crash may all have been lost and it may not sign them again.
   */
  readonly signed: readonly ConsensusMessage[];
}

export interface Timeout {
  readonly step: SignStep;
  readonly height: number;
  readonly round: number;
}

export type Input =
  | {
      readonly kind: 'new-height';
      readonly height: number;
      readonly validators: ValidatorSet;
      readonly restored?: RestoredSigning | null;
    }
  /** `valid`: the shell's deterministic verdict on the block (executes on the parent state). */
  | { readonly kind: 'proposal'; readonly proposal: SignedProposal; readonly valid: boolean }
  | { readonly kind: 'vote'; readonly vote: SignedVote }
  | { readonly kind: 'timeout'; readonly timeout: Timeout }
  | {
      readonly kind: 'value-ready';
      readonly height: number;
      readonly round: number;
      readonly blockHash: Hex;
    };

export type RejectReason =
  'malformed' | 'not-validator' | 'not-proposer' | 'bad-signature' | 'too-far-ahead';

export type Action =
  /** Make {message, lock} durable (signing guard) before the broadcast that follows it. */
  | { readonly kind: 'persist'; readonly message: ConsensusMessage; readonly lock: LockState }
  | { readonly kind: 'broadcast'; readonly message: ConsensusMessage }
  /** Build a block for (height, round) and answer `value-ready` (l.18 getValue()). */
  | { readonly kind: 'request-value'; readonly height: number; readonly round: number }
  | { readonly kind: 'schedule-timeout'; readonly timeout: Timeout; readonly delayMs: number }
  /** l.49: the block is final; `commit` is its +2/3 precommits (the next block's lastCommit). */
  | {
      readonly kind: 'decide';
      readonly height: number;
      readonly round: number;
      readonly blockHash: Hex;
      readonly commit: Commit;
      /** A proposal carrying the block, for peers that catch up. */
      readonly proposal: SignedProposal;
    }
  | { readonly kind: 'evidence'; readonly evidence: ConsensusEvidence }
  | { readonly kind: 'reject'; readonly message: unknown; readonly reason: RejectReason };

export interface VoteSet {
  /** Each validator's votes: one, or up to MAX_VOTES_PER_VALIDATOR if it equivocated. */
  readonly byValidator: ReadonlyMap<Hex, readonly SignedVote[]>;
  /** Power per block id (NIL included), each validator counted once per id. */
  readonly power: ReadonlyMap<Hex, bigint>;
  /** Power of the validators with a vote of this type in the round, each counted once. */
  readonly total: bigint;
  /** First block id (or NIL) to reach +2/3 in this round. */
  readonly quorum: Hex | null;
}

export interface ProposalEntry {
  readonly proposal: SignedProposal;
  readonly valid: boolean;
}

export interface RoundState {
  /** The first is the proposal l.22/l.28 act on; more than one means the proposer equivocated. */
  readonly proposals: readonly ProposalEntry[];
  readonly prevotes: VoteSet;
  readonly precommits: VoteSet;
  /** Validators with any message in this round, and their power (l.55). */
  readonly senders: ReadonlySet<Hex>;
  readonly senderPower: bigint;
  /** "for the first time" guards of l.34, l.36 and l.47. */
  readonly prevoteTimeoutScheduled: boolean;
  readonly polkaSeen: boolean;
  readonly precommitTimeoutScheduled: boolean;
}

export interface Decision {
  readonly round: number;
  readonly blockHash: Hex;
  readonly commit: Commit;
}

export interface ConsensusState {
  readonly config: MachineConfig;
  /** idle: before the first new-height; decided: waiting for the shell's next new-height. */
  readonly status: 'idle' | 'running' | 'decided';
  readonly height: number;
  readonly validators: ValidatorSet | null;
  readonly round: number;
  readonly step: SignStep;
  readonly lockedRound: number;
  readonly lockedValue: Hex | null;
  readonly validRound: number;
  readonly validValue: Hex | null;
  readonly rounds: ReadonlyMap<number, RoundState>;
  /** Block id → valid(v), from every proposal accepted at this height. */
  readonly values: ReadonlyMap<Hex, boolean>;
  readonly decision: Decision | null;
  /** This node's highest signed (round, step) at this height. */
  readonly signedUpTo: { readonly round: number; readonly step: SignStep } | null;
  /** True when the signing guard holds a later height: sign nothing at this one. */
  readonly signingDisabled: boolean;
  /** Round whose value this node asked the shell for and has not proposed yet. */
  readonly awaitingValue: number | null;
  /** Messages of height+1, replayed at the next new-height. */
  readonly buffered: readonly BufferedMessage[];
  /** "validator/round/step" already reported as equivocation. */
  readonly equivocations: ReadonlySet<string>;
}

export interface BufferedMessage {
  readonly message: ConsensusMessage;
  readonly valid: boolean;
}

export interface StepResult {
  readonly state: ConsensusState;
  readonly actions: readonly Action[];
}

export function createMachine(
  config: Pick<MachineConfig, 'chainId' | 'signer'> & Partial<MachineConfig>,
): ConsensusState {
  return {
    config: {
      chainId: config.chainId,
      signer: config.signer,
      timeouts: config.timeouts ?? DEFAULT_TIMEOUTS,
      crypto: config.crypto ?? CHAIN_CRYPTO,
    },
    status: 'idle',
    height: 0,
    validators: null,
    round: 0,
    step: 'propose',
    lockedRound: -1,
    lockedValue: null,
    validRound: -1,
    validValue: null,
    rounds: new Map(),
    values: new Map(),
    decision: null,
    signedUpTo: null,
    signingDisabled: false,
    awaitingValue: null,
    buffered: [],
    equivocations: new Set(),
  };
}

export function timeoutDuration(t: TimeoutConfig, step: SignStep, round: number): number {
  const base = step === 'propose' ? t.proposeMs : step === 'prevote' ? t.prevoteMs : t.precommitMs;
  return base + round * t.deltaMs;
}

export function lockOf(s: ConsensusState): LockState {
  return {
    lockedRound: s.lockedRound,
    lockedValue: s.lockedValue,
    validRound: s.validRound,
    validValue: s.validValue,
  };
}

/**
 * Every proposal and vote held for the current height, for anti-entropy gossip (peers that
 * missed messages pull them) and for relaying (the paper's gossip property, needed for liveness).
 */
export function heldMessages(s: ConsensusState): ConsensusMessage[] {
  const out: ConsensusMessage[] = [];
  for (const r of [...s.rounds.keys()].sort((a, b) => a - b)) {
    const rs = s.rounds.get(r)!;
    for (const p of rs.proposals) out.push(p.proposal);
    for (const vs of rs.prevotes.byValidator.values()) out.push(...vs);
    for (const vs of rs.precommits.byValidator.values()) out.push(...vs);
  }
  return out;
}

const EMPTY_VOTES: VoteSet = { byValidator: new Map(), power: new Map(), total: 0n, quorum: null };

const EMPTY_ROUND: RoundState = {
  proposals: [],
  prevotes: EMPTY_VOTES,
  precommits: EMPTY_VOTES,
  senders: new Set(),
  senderPower: 0n,
  prevoteTimeoutScheduled: false,
  polkaSeen: false,
  precommitTimeoutScheduled: false,
};

function addVote(set: VoteSet, vote: SignedVote, power: bigint, total: bigint): VoteSet {
  const byValidator = new Map(set.byValidator);
  const earlier = set.byValidator.get(vote.validator);
  byValidator.set(vote.validator, earlier === undefined ? [vote] : [...earlier, vote]);
  const p = new Map(set.power);
  const forBlock = (p.get(vote.blockHash) ?? 0n) + power;
  p.set(vote.blockHash, forBlock);
  const quorum = set.quorum ?? (hasTwoThirds(forBlock, total) ? vote.blockHash : null);
  return {
    byValidator,
    power: p,
    total: earlier === undefined ? set.total + power : set.total,
    quorum,
  };
}

function allVotes(set: VoteSet): SignedVote[] {
  const out: SignedVote[] = [];
  for (const vs of set.byValidator.values()) out.push(...vs);
  return out;
}

function compareHrs(r1: number, s1: SignStep, r2: number, s2: SignStep): number {
  return r1 !== r2 ? r1 - r2 : STEP_ORDER[s1] - STEP_ORDER[s2];
}

/** One step's working copy: scalars copied, maps and sets copied on first write. */
class Draft {
  readonly actions: Action[] = [];
  s: {
    -readonly [K in keyof ConsensusState]: ConsensusState[K];
  };
  private roundsCopied = false;
  private valuesCopied = false;
  private rounds: Map<number, RoundState>;
  private values: Map<Hex, boolean>;

  constructor(state: ConsensusState) {
    this.s = { ...state };
    this.rounds = state.rounds as Map<number, RoundState>;
    this.values = state.values as Map<Hex, boolean>;
  }

  finish(): ConsensusState {
    this.s.rounds = this.rounds;
    this.s.values = this.values;
    return this.s;
  }

  get set(): ValidatorSet {
    return this.s.validators!;
  }

  round(r: number): RoundState {
    return this.rounds.get(r) ?? EMPTY_ROUND;
  }

  putRound(r: number, rs: RoundState): void {
    if (!this.roundsCopied) {
      this.rounds = new Map(this.rounds);
      this.roundsCopied = true;
    }
    this.rounds.set(r, rs);
  }

  setValue(id: Hex, valid: boolean): void {
    if (this.values.has(id)) return;
    if (!this.valuesCopied) {
      this.values = new Map(this.values);
      this.valuesCopied = true;
    }
    this.values.set(id, valid);
  }

  valueValid(id: Hex): boolean {
    return this.values.get(id) === true;
  }

  resetHeight(height: number, validators: ValidatorSet): void {
    const s = this.s;
    s.status = 'running';
    s.height = height;
    s.validators = validators;
    s.round = 0;
    s.step = 'propose';
    s.lockedRound = -1;
    s.lockedValue = null;
    s.validRound = -1;
    s.validValue = null;
    s.decision = null;
    s.signedUpTo = null;
    s.signingDisabled = false;
    s.awaitingValue = null;
    s.equivocations = new Set();
    this.rounds = new Map();
    this.roundsCopied = true;
    this.values = new Map();
    this.valuesCopied = true;
  }

  // -- inputs --------------------------------------------------------------------------------

  newHeight(height: number, validators: ValidatorSet, restored: RestoredSigning | null): void {
    if (!Number.isSafeInteger(height) || height < 1) return;
    if (this.s.status !== 'idle' && height <= this.s.height) return;
    const buffered = this.s.buffered;
    this.resetHeight(height, validators);
    this.s.buffered = [];
    let startAt = 0;
    if (restored !== null && restored.height > height) this.s.signingDisabled = true;
    if (restored !== null && restored.height === height) {
      const m = restored.lastSigned;
      this.s.lockedRound = restored.lock.lockedRound;
      this.s.lockedValue = restored.lock.lockedValue;
      this.s.validRound = restored.lock.validRound;
      this.s.validValue = restored.lock.validValue;
      this.s.signedUpTo = { round: m.round, step: stepOf(m) };
      startAt = m.round;
      // Made durable before the crash, but the copies may never have arrived: send them again.
      for (const x of restored.signed) {
        if (x.height !== height) continue;
        this.insert(x, true);
        this.actions.push({ kind: 'broadcast', message: x });
      }
    }
    this.startRound(startAt);
    for (const b of buffered) if (b.message.height === height) this.receive(b.message, b.valid);
  }

  /** A message from the network; validation first, then insertion. */
  receive(m: unknown, valid: boolean): void {
    if (!isWellFormed(m)) {
      this.actions.push({ kind: 'reject', message: m, reason: 'malformed' });
      return;
    }
    const s = this.s;
    if (s.status === 'idle') return;
    if (m.height === s.height + 1) {
      if (s.buffered.length < MAX_BUFFERED) s.buffered = [...s.buffered, { message: m, valid }];
      return;
    }
    if (m.height !== s.height) return; // stale or too far ahead: sync's business
    const signer = signerOf(m);
    if (powerOf(this.set, signer) === 0n) {
      this.actions.push({ kind: 'reject', message: m, reason: 'not-validator' });
      return;
    }
    if (m.type === 'proposal' && proposerOf(this.set, m.round) !== signer) {
      this.actions.push({ kind: 'reject', message: m, reason: 'not-proposer' });
      return;
    }
    const rs = this.round(m.round);
    if (isDuplicate(rs, m)) return;
    if (
      m.round > s.round + 1 &&
      !rs.senders.has(signer) &&
      this.futureRounds(signer) >= MAX_FUTURE_ROUNDS
    ) {
      this.actions.push({ kind: 'reject', message: m, reason: 'too-far-ahead' });
      return;
    }
    if (!verifyMessage(s.config.chainId, m, s.config.crypto)) {
      this.actions.push({ kind: 'reject', message: m, reason: 'bad-signature' });
      return;
    }
    this.insert(m, valid);
  }

  private futureRounds(signer: Hex): number {
    let n = 0;
    for (const [r, rs] of this.rounds) if (r > this.s.round + 1 && rs.senders.has(signer)) n++;
    return n;
  }

  /** Adds a verified (or own) message to the log; detects equivocation. */
  insert(m: ConsensusMessage, valid: boolean): void {
    const signer = signerOf(m);
    const power = powerOf(this.set, signer);
    let rs = this.round(m.round);
    if (m.type === 'proposal') {
      const first = rs.proposals[0];
      if (first !== undefined) {
        if (rs.proposals.some((e) => e.proposal.blockHash === m.blockHash)) return;
        this.report(duplicateProposalEvidence(first.proposal, m), signer, m.round, 'propose');
        if (rs.proposals.length >= MAX_PROPOSALS_PER_ROUND) return;
      }
      rs = { ...rs, proposals: [...rs.proposals, { proposal: m, valid }] };
      this.setValue(m.blockHash, valid);
    } else {
      const set = m.type === 'prevote' ? rs.prevotes : rs.precommits;
      const existing = set.byValidator.get(signer);
      if (existing !== undefined) {
        if (existing.some((v) => v.blockHash === m.blockHash)) return;
        this.report(duplicateVoteEvidence(existing[0]!, m), signer, m.round, m.type);
        if (existing.length >= MAX_VOTES_PER_VALIDATOR) return;
      }
      const next = addVote(set, m, power, this.set.totalPower);
      rs = m.type === 'prevote' ? { ...rs, prevotes: next } : { ...rs, precommits: next };
    }
    if (!rs.senders.has(signer)) {
      const senders = new Set(rs.senders);
      senders.add(signer);
      rs = { ...rs, senders, senderPower: rs.senderPower + power };
    }
    this.putRound(m.round, rs);
  }

  private report(e: ConsensusEvidence | null, signer: Hex, round: number, step: SignStep): void {
    if (e === null) return;
    const key = `${signer}/${round}/${step}`;
    if (this.s.equivocations.has(key)) return;
    const eq = new Set(this.s.equivocations);
    eq.add(key);
    this.s.equivocations = eq;
    this.actions.push({ kind: 'evidence', evidence: e });
  }

  timeout(t: Timeout): void {
    const s = this.s;
    if (s.status !== 'running' || t.height !== s.height || t.round !== s.round) return;
    if (t.step === 'propose' && s.step === 'propose') {
      // line 57: OnTimeoutPropose(h, r): prevote nil
      this.vote('prevote', NIL);
      s.step = 'prevote';
    } else if (t.step === 'prevote' && s.step === 'prevote') {
      // line 61: OnTimeoutPrevote(h, r): precommit nil
      this.vote('precommit', NIL);
      s.step = 'precommit';
    } else if (t.step === 'precommit') {
      // line 65: OnTimeoutPrecommit(h, r): StartRound(round + 1)
      this.startRound(s.round + 1);
    }
  }

  valueReady(height: number, round: number, blockHash: Hex): void {
    const s = this.s;
    if (s.status !== 'running' || height !== s.height || round !== s.round) return;
    if (s.awaitingValue !== round || s.step !== 'propose') return;
    s.awaitingValue = null;
    // lines 15–19: a value found valid meanwhile goes first.
    if (s.validValue !== null) this.propose(s.validValue, s.validRound);
    else this.propose(blockHash, -1);
  }

  // -- rules ---------------------------------------------------------------------------------

  /** line 11: StartRound(round) */
  startRound(r: number): void {
    const s = this.s;
    s.round = r; // line 12
    s.step = 'propose'; // line 13
    s.awaitingValue = null;
    if (this.isProposer(r)) {
      // line 14
      const own = this.round(r).proposals.find((e) => e.proposal.proposer === s.config.signer!.key);
      if (own !== undefined) {
        // restored after a crash: already proposed in this round.
      } else if (s.validValue !== null) {
        // lines 15–16: proposal ← validValue; line 19: broadcast ⟨PROPOSAL, h, r, v, validRound⟩
        this.propose(s.validValue, s.validRound);
      } else {
        // line 18: proposal ← getValue(), asked of the shell
        s.awaitingValue = r;
        this.actions.push({ kind: 'request-value', height: s.height, round: r });
      }
    }
    // line 21 (for every node, see the header): schedule OnTimeoutPropose(h, r)
    this.schedule('propose', r);
  }

  private isProposer(r: number): boolean {
    const signer = this.s.config.signer;
    return signer !== null && proposerOf(this.set, r) === signer.key;
  }

  private schedule(step: SignStep, r: number): void {
    this.actions.push({
      kind: 'schedule-timeout',
      timeout: { step, height: this.s.height, round: r },
      delayMs: timeoutDuration(this.s.config.timeouts, step, r),
    });
  }

  /** May this node sign at (round, step)? 'resend' if it signed exactly this message before. */
  private signPermission(r: number, step: SignStep, blockHash: Hex): 'sign' | 'resend' | 'no' {
    const s = this.s;
    const signer = s.config.signer;
    if (signer === null || s.signingDisabled) return 'no';
    if (powerOf(this.set, signer.key) === 0n) return 'no';
    const last = s.signedUpTo;
    if (last === null) return 'sign';
    const c = compareHrs(r, step, last.round, last.step);
    if (c > 0) return 'sign';
    if (c < 0) return 'no';
    const own = this.ownMessage(r, step);
    return own !== undefined && own.blockHash === blockHash ? 'resend' : 'no';
  }

  private ownMessage(r: number, step: SignStep): ConsensusMessage | undefined {
    const key = this.s.config.signer!.key;
    const rs = this.round(r);
    if (step === 'propose') return rs.proposals.find((e) => e.proposal.proposer === key)?.proposal;
    return (step === 'prevote' ? rs.prevotes : rs.precommits).byValidator.get(key)?.[0];
  }

  private emit(m: ConsensusMessage): void {
    this.s.signedUpTo = { round: m.round, step: stepOf(m) };
    this.insert(m, true);
    this.actions.push({ kind: 'persist', message: m, lock: lockOf(this.s as ConsensusState) });
    this.actions.push({ kind: 'broadcast', message: m });
  }

  private propose(blockHash: Hex, polRound: number): void {
    const s = this.s;
    const r = s.round;
    const permission = this.signPermission(r, 'propose', blockHash);
    if (permission === 'resend') {
      this.actions.push({ kind: 'broadcast', message: this.ownMessage(r, 'propose')! });
      return;
    }
    if (permission === 'no') return;
    const signer = s.config.signer!;
    const p = signProposal(
      s.config.chainId,
      { height: s.height, round: r, polRound, blockHash },
      signer.secretKey,
      signer.key,
      s.config.crypto,
    );
    this.emit(p);
  }

  private vote(type: VoteType, blockHash: Hex): void {
    const s = this.s;
    const r = s.round;
    const permission = this.signPermission(r, type, blockHash);
    if (permission === 'resend') {
      this.actions.push({ kind: 'broadcast', message: this.ownMessage(r, type)! });
      return;
    }
    if (permission === 'no') return;
    const signer = s.config.signer!;
    const v = signVote(
      s.config.chainId,
      { type, height: s.height, round: r, blockHash },
      signer.secretKey,
      signer.key,
      s.config.crypto,
    );
    this.emit(v);
  }

  /** Fires upon-rules until none applies (each rule changes the state so it cannot refire). */
  run(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      if (this.s.status !== 'running') return;
      if (!this.fireOne()) return;
    }
    throw new Error('consensus rules did not settle');
  }

  private fireOne(): boolean {
    const s = this.s;
    const total = this.set.totalPower;

    // line 49: upon ⟨PROPOSAL, h, r, v, ∗⟩ and 2f+1 ⟨PRECOMMIT, h, r, id(v)⟩ for any round r,
    // while decision[h] = nil: if valid(v), decide v.
    for (const [r, rs] of this.rounds) {
      const v = rs.precommits.quorum;
      if (v === null || v === NIL || !this.valueValid(v)) continue;
      this.decide(r, v);
      return true;
    }

    // line 55: upon f+1 ⟨∗, h, round, ∗, ∗⟩ with round > round_p: StartRound(round)
    let skipTo = -1;
    for (const [r, rs] of this.rounds) {
      if (r > s.round && r > skipTo && hasOneThird(rs.senderPower, total)) skipTo = r;
    }
    if (skipTo >= 0) {
      this.startRound(skipTo);
      return true;
    }

    const rs = this.round(s.round);
    const first = rs.proposals[0];

    if (s.step === 'propose' && first !== undefined) {
      const p = first.proposal;
      const v = p.blockHash;
      if (p.polRound === -1) {
        // line 22: upon ⟨PROPOSAL, h, round_p, v, −1⟩ while step = propose
        if (first.valid && (s.lockedRound === -1 || s.lockedValue === v)) {
          this.vote('prevote', v); // line 24
        } else {
          this.vote('prevote', NIL); // line 26
        }
        s.step = 'prevote'; // line 27
        return true;
      }
      const vr = p.polRound;
      if (vr < s.round && this.round(vr).prevotes.power.get(v) !== undefined) {
        // line 28: upon ⟨PROPOSAL, h, round_p, v, vr⟩ and 2f+1 ⟨PREVOTE, h, vr, id(v)⟩
        // while step = propose ∧ (vr ≥ 0 ∧ vr < round_p)
        if (hasTwoThirds(this.round(vr).prevotes.power.get(v)!, total)) {
          if (first.valid && (s.lockedRound <= vr || s.lockedValue === v)) {
            this.vote('prevote', v); // line 30
          } else {
            this.vote('prevote', NIL); // line 32
          }
          s.step = 'prevote'; // line 33
          return true;
        }
      }
    }

    // line 34: upon 2f+1 ⟨PREVOTE, h, round_p, ∗⟩ while step = prevote, for the first time
    if (
      s.step === 'prevote' &&
      !rs.prevoteTimeoutScheduled &&
      hasTwoThirds(rs.prevotes.total, total)
    ) {
      this.putRound(s.round, { ...rs, prevoteTimeoutScheduled: true });
      this.schedule('prevote', s.round); // line 35
      return true;
    }

    // line 36: upon ⟨PROPOSAL, h, round_p, v, ∗⟩ and 2f+1 ⟨PREVOTE, h, round_p, id(v)⟩
    // while valid(v) ∧ step ≥ prevote, for the first time
    const polka = rs.prevotes.quorum;
    if (s.step !== 'propose' && !rs.polkaSeen && polka !== null && polka !== NIL) {
      const entry = rs.proposals.find((e) => e.proposal.blockHash === polka);
      if (entry !== undefined && entry.valid) {
        this.putRound(s.round, { ...this.round(s.round), polkaSeen: true });
        // lines 42–43 run first so the precommit's persist marker carries them with the lock:
        // a restarted node must keep validRound ≥ lockedRound, or no honest proposer may ever
        // re-propose the value it is locked on (liveness).
        s.validValue = polka; // line 42
        s.validRound = s.round; // line 43
        if (s.step === 'prevote') {
          s.lockedValue = polka; // line 38
          s.lockedRound = s.round; // line 39
          this.vote('precommit', polka); // line 40
          s.step = 'precommit'; // line 41
        }
        return true;
      }
    }

    // line 44: upon 2f+1 ⟨PREVOTE, h, round_p, nil⟩ while step = prevote
    if (s.step === 'prevote' && polka === NIL) {
      this.vote('precommit', NIL); // line 45
      s.step = 'precommit'; // line 46
      return true;
    }

    // line 47: upon 2f+1 ⟨PRECOMMIT, h, round_p, ∗⟩ for the first time
    const rsNow = this.round(s.round);
    if (!rsNow.precommitTimeoutScheduled && hasTwoThirds(rsNow.precommits.total, total)) {
      this.putRound(s.round, { ...rsNow, precommitTimeoutScheduled: true });
      this.schedule('precommit', s.round); // line 48
      return true;
    }
    return false;
  }

  private decide(r: number, v: Hex): void {
    const s = this.s;
    const rs = this.round(r);
    const commit = buildCommit(s.height, r, v, allVotes(rs.precommits));
    let proposal: SignedProposal | undefined;
    for (const x of this.rounds.values()) {
      proposal = x.proposals.find((e) => e.proposal.blockHash === v)?.proposal;
      if (proposal !== undefined) break;
    }
    s.decision = { round: r, blockHash: v, commit }; // line 51
    s.status = 'decided';
    s.awaitingValue = null;
    this.actions.push({
      kind: 'decide',
      height: s.height,
      round: r,
      blockHash: v,
      commit,
      proposal: proposal!,
    });
    // lines 52–54 (h ← h+1, reset, StartRound(0)) run when the shell feeds new-height with the
    // next height's validator set, after it has applied the block.
  }
}

function isDuplicate(rs: RoundState, m: ConsensusMessage): boolean {
  if (m.type === 'proposal') {
    return rs.proposals.some(
      (e) => e.proposal.blockHash === m.blockHash && e.proposal.proposer === m.proposer,
    );
  }
  const existing = (m.type === 'prevote' ? rs.prevotes : rs.precommits).byValidator.get(
    m.validator,
  );
  // The same vote again (any valid signature of the same content is the same vote).
  return existing !== undefined && existing.some((v) => v.blockHash === m.blockHash);
}

/** The consensus transition: never mutates `state` or `input`; never throws on network input. */
export function step(state: ConsensusState, input: Input): StepResult {
  const d = new Draft(state);
  switch (input.kind) {
    case 'new-height':
      d.newHeight(input.height, input.validators, input.restored ?? null);
      break;
    case 'proposal':
      d.receive(input.proposal, input.valid === true);
      break;
    case 'vote':
      d.receive(input.vote, false);
      break;
    case 'timeout':
      d.timeout(input.timeout);
      break;
    case 'value-ready':
      d.valueReady(input.height, input.round, input.blockHash);
      break;
  }
  if (d.s.status === 'running') d.run();
  return { state: d.finish(), actions: d.actions };
}
