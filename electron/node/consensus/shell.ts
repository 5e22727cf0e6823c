/**
 * The imperative shell around the pure Tendermint machine (machine.ts): owns the machine state and
 * runs its actions in order, one input at a time.
 *   - persist: the signing guard (`<dataDir>/consensus/signing.json`) makes {message, lock} durable;
 *     a refusal drops the broadcast that follows;
 *   - broadcast: consensus gossip (PROPOSAL carries the block, VOTE the vote);
 *   - schedule-timeout: a timer that feeds `timeout`;
 *   - request-value: the next block from the mempool (chain/producer.ts buildNextBlock), fed back
 *     as `value-ready`;
 *   - decide: the block and its commit go through the chain's commit path for synced blocks
 *     (ChainService.applySyncedBlock: block log + fsync, state, index);
 *   - evidence: a duplicate vote goes into the evidence pool (evidence-pool.ts) and out on the
 *     `evidence` gossip topic; proposals carry the pool's pending evidence, and the chain slashes
 *     (chain/validators.ts). Duplicate proposals are only logged;
 *   - reject: the peer that relayed the message is penalized (p2p/score.ts).
 * Gossip checks before anything is forwarded: a message for a height already final or more than
 * two heights ahead is ignored (nobody is punished for being ahead or behind); for tip+1 and
 * tip+2, whose validator sets the state fixes, a signer outside the set, a proposal from the
 * wrong proposer or a bad signature is rejected and its relayer penalized.
 * Whenever the chain's tip moves (a decision here, or blocks from sync) the machine gets
 * `new-height` for tip+1, after the block interval, with that height's validator set as the
 * chain keeps it (state.validatorSets.next, the two-heights rule, chain/validators.ts).
 * Every `relayMs` it re-gossips what it holds for the current height (heldMessages), so peers
 * that joined late or lost messages catch up.
 *
 * It must not touch the chain's state except through ChainService, nor libp2p except through
 * P2PService's consensus gossip.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Block, Evidence } from '../chain/block.ts';
import { blockHash } from '../chain/block.ts';
import { decodeBlock, decodeEvidence, encodeBlock, encodeEvidence } from '../chain/codec.ts';
import type { Hex } from '../chain/crypto.ts';
import { isNoesisError } from '../errors.ts';
import { buildNextBlock } from '../chain/producer.ts';
import type { ChainService } from '../chain/service.ts';
import { applyBlock, type ApplyOk } from '../chain/state.ts';
import type { ChainState } from '../chain/types.ts';
import { validatorMembers, wasSlashed } from '../chain/validators.ts';
import type { GossipMessage, GossipVerdict } from '../p2p/gossip.ts';
import { ConsensusTag } from '../p2p/protocols.ts';
import { PenaltyReason } from '../p2p/score.ts';
import { EvidencePool } from './evidence-pool.ts';
import {
  createMachine,
  heldMessages,
  step,
  type Action,
  type ConsensusState,
  type Input,
  type RejectReason,
  type TimeoutConfig,
} from './machine.ts';
import {
  isWellFormed,
  signerOf,
  verifyMessage,
  type ConsensusMessage,
  type SignedProposal,
  type SignedVote,
} from './messages.ts';
import { SigningGuard } from './signing-guard.ts';
import { nextValidatorSet, powerOf, proposerOf, type ValidatorSet } from './validator-set.ts';

/** What the shell needs of the p2p layer. */
export interface ConsensusGossip {
  publishConsensus(tag: number, payload: Uint8Array): Promise<number>;
  publish(topic: 'evidence', data: Uint8Array): Promise<number>;
  setGossipValidator(
    topic: 'consensus' | 'evidence',
    validator: ((m: GossipMessage) => GossipVerdict | Promise<GossipVerdict>) | null,
  ): void;
  onGossip(topic: 'consensus', handler: (m: GossipMessage) => void): () => void;
  /** The peer scores: a relayer of messages that fail the machine's checks is penalized. */
  readonly scores: { penalize(peer: string, reason: PenaltyReason): number };
}

export interface ConsensusShellOptions {
  dataDir: string;
  chain: ChainService;
  p2p: ConsensusGossip;
  timeouts: TimeoutConfig;
  /** Pause between a block and the start of the next height (CometBFT's timeout_commit). */
  blockIntervalMs: number;
  /** How often held messages are re-gossiped. */
  relayMs?: number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

/** Timeouts from the block interval: short intervals (tests, devnets) get short rounds. */
export function timeoutsForInterval(intervalMs: number): TimeoutConfig {
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  const vote = clamp(intervalMs, 300, 1000);
  return {
    proposeMs: clamp(3 * intervalMs, 600, 3000),
    prevoteMs: vote,
    precommitMs: vote,
    deltaMs: Math.round(vote / 2),
  };
}

/** Machine rejections that prove the relayer forwarded something it should have dropped. */
const REJECT_PENALTY: Readonly<Record<RejectReason, PenaltyReason | null>> = {
  malformed: PenaltyReason.MALFORMED,
  'not-validator': PenaltyReason.INVALID,
  'not-proposer': PenaltyReason.INVALID,
  'bad-signature': PenaltyReason.INVALID,
  // An honest validator far ahead in rounds is not misbehaving; its messages are only dropped.
  'too-far-ahead': null,
};

/** Evidence problems that are the sender's fault (the rest are races: late, early, repeated). */
const EVIDENCE_REJECT = new Set(['malformed', 'not-conflicting', 'bad-signature']);

// -- wire payloads ---------------------------------------------------------------------------
// VOTE:     UTF-8 JSON {"m": SignedVote, "n": relay counter}
// PROPOSAL: 4-byte big-endian length L, L bytes of UTF-8 JSON {"m": SignedProposal, "n": …},
//           then the block (chain/codec.ts encodeBlock).
// The counter makes a relayed copy a new gossip message (gossipsub drops repeats by content).

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeVotePayload(vote: SignedVote, n: number): Uint8Array {
  return enc.encode(JSON.stringify({ m: vote, n }));
}

export function encodeProposalPayload(p: SignedProposal, block: Uint8Array, n: number): Uint8Array {
  const head = enc.encode(JSON.stringify({ m: p, n }));
  const out = new Uint8Array(4 + head.length + block.length);
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  out.set(block, 4 + head.length);
  return out;
}

export type DecodedConsensus =
  | { kind: 'vote'; vote: SignedVote }
  | { kind: 'proposal'; proposal: SignedProposal; block: Block; blockBytes: Uint8Array };

/**
 * Throws on anything malformed. `known` returns a block already held under a hash: a relayed
 * proposal whose block bytes equal the held block's reuses it instead of decoding them again.
 */
export function decodeConsensusPayload(
  tag: number | null,
  payload: Uint8Array,
  known?: (hash: Hex) => { block: Block; bytes: Uint8Array } | undefined,
): DecodedConsensus {
  if (tag === ConsensusTag.VOTE) {
    const m = (JSON.parse(dec.decode(payload)) as { m: unknown }).m;
    if (!isWellFormed(m) || m.type === 'proposal') throw new Error('not a vote');
    return { kind: 'vote', vote: m };
  }
  if (tag === ConsensusTag.PROPOSAL) {
    if (payload.length < 4) throw new Error('short proposal');
    const len = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
    if (4 + len > payload.length) throw new Error('short proposal');
    const m = (JSON.parse(dec.decode(payload.subarray(4, 4 + len))) as { m: unknown }).m;
    if (!isWellFormed(m) || m.type !== 'proposal') throw new Error('not a proposal');
    const held = known?.(m.blockHash);
    if (held !== undefined && sameBytes(held.bytes, payload.subarray(4 + len))) {
      return { kind: 'proposal', proposal: m, block: held.block, blockBytes: held.bytes };
    }
    const blockBytes = payload.slice(4 + len);
    const block = decodeBlock(blockBytes);
    if (blockHash(block.header) !== m.blockHash) throw new Error('block does not match');
    return { kind: 'proposal', proposal: m, block, blockBytes };
  }
  throw new Error(`consensus tag ${String(tag)} not handled`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    )
  );
}

export class ConsensusShell {
  private readonly o: ConsensusShellOptions;
  private machine: ConsensusState;
  private guard: SigningGuard | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly blocks = new Map<
    Hex,
    {
      block: Block;
      bytes: Uint8Array;
      valid?: boolean;
      /** applyBlock's result on the tip `pre`, handed to applySyncedBlock on a decision. */
      applied?: { pre: ChainState; result: ApplyOk };
    }
  >();
  /** Double-signing evidence waiting for a block. */
  readonly evidence = new EvidencePool();
  /** The set of tip+2 per tip state (gossip checks of the height after next). */
  private readonly afterNextSet = new WeakMap<ChainState, ValidatorSet>();
  private startingHeight = 0;
  private relayCounter = 0;
  private stopped = true;
  private offs: Array<() => void> = [];

  constructor(options: ConsensusShellOptions) {
    this.o = options;
    const state = this.store().state;
    this.machine = createMachine({
      chainId: state.chainId,
      signer: options.chain.consensusSigner(),
      timeouts: options.timeouts,
    });
  }

  private store() {
    const s = this.o.chain.openStore;
    if (s === null) throw new Error('the chain is not open');
    return s;
  }

  /** Current height and round (the Network view). */
  get position(): { height: number; round: number } {
    return { height: this.machine.height, round: this.machine.round };
  }

  async start(): Promise<void> {
    const dir = path.join(this.o.dataDir, 'consensus');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.guard = await SigningGuard.open(path.join(dir, 'signing.json'));
    this.stopped = false;
    const p2p = this.o.p2p;
    p2p.setGossipValidator('consensus', (m) => this.validate(m));
    p2p.setGossipValidator('evidence', (m) => this.receiveEvidence(m.payload, m.from));
    this.offs.push(p2p.onGossip('consensus', (m) => this.receive(m)));
    const onCommitted = () => this.tipMoved();
    this.o.chain.on('committed', onCommitted);
    this.offs.push(() => this.o.chain.off('committed', onCommitted));
    const relay = setInterval(() => this.relay(), this.o.relayMs ?? 1000);
    relay.unref?.();
    this.timers.add(relay);
    this.tipMoved();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const off of this.offs.splice(0)) off();
    this.o.p2p.setGossipValidator('consensus', null);
    this.o.p2p.setGossipValidator('evidence', null);
    await this.queue.catch(() => undefined);
  }

  private log(message: string, data?: Record<string, unknown>): void {
    this.o.log?.(`consensus: ${message}`, data);
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    t.unref?.();
    this.timers.add(t);
  }

  /**
   * Feeds one input, then runs its actions in order; inputs are serialized. `from`: the peer that
   * relayed a network message (penalized when the machine rejects it).
   */
  private feed(input: Input | (() => Input | null), from: string | null = null): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.stopped) return;
      const i = typeof input === 'function' ? input() : input;
      if (i === null) return;
      const { state, actions } = step(this.machine, i);
      this.machine = state;
      await this.execute(actions, from);
    });
    this.queue = run.catch((error: unknown) => this.log('input failed', { err: String(error) }));
    return this.queue as Promise<void>;
  }

  private async execute(actions: readonly Action[], from: string | null): Promise<void> {
    let refused = false;
    for (const a of actions) {
      switch (a.kind) {
        case 'persist': {
          const d = await this.guard!.authorize(a.message, a.lock);
          refused = !d.ok;
          if (!d.ok) this.log('signing guard refused', { reason: d.reason });
          break;
        }
        case 'broadcast':
          if (refused) {
            refused = false;
            break;
          }
          this.publish(a.message);
          break;
        case 'schedule-timeout':
          this.after(a.delayMs, () => void this.feed({ kind: 'timeout', timeout: a.timeout }));
          break;
        case 'request-value':
          this.buildValue(a.height, a.round);
          break;
        case 'decide':
          this.decide(a.height, a.blockHash, a.commit);
          break;
        case 'evidence':
          if (a.evidence.kind === 'duplicate-vote') this.addEvidence(a.evidence);
          else this.log('proposer equivocated', { proposer: a.evidence.a.proposer });
          break;
        case 'reject': {
          const penalty = REJECT_PENALTY[a.reason];
          this.log('message rejected', { reason: a.reason, from });
          if (from !== null && penalty !== null) this.o.p2p.scores.penalize(from, penalty);
          break;
        }
      }
    }
  }

  private publish(m: ConsensusMessage): void {
    const n = this.relayCounter++;
    let tag: number;
    let payload: Uint8Array;
    if (m.type === 'proposal') {
      const b = this.blocks.get(m.blockHash);
      if (b === undefined) return;
      tag = ConsensusTag.PROPOSAL;
      payload = encodeProposalPayload(m, b.bytes, n);
    } else {
      tag = ConsensusTag.VOTE;
      payload = encodeVotePayload(m, n);
    }
    this.o.p2p.publishConsensus(tag, payload).catch(() => undefined); // relay retries
  }

  private relay(): void {
    if (this.stopped || this.machine.status === 'idle') return;
    for (const m of heldMessages(this.machine)) this.publish(m);
  }

  private buildValue(height: number, round: number): void {
    const store = this.store();
    const signer = this.machine.config.signer;
    if (signer === null || store.state.height + 1 !== height) return;
    const built = buildNextBlock(store, this.o.chain.mempool, {
      proposer: signer.key,
      time: Date.now(),
      evidence: this.evidence.pending(store.state),
    });
    this.blocks.set(built.hash, {
      block: built.block,
      bytes: encodeBlock(built.block),
      applied: { pre: store.state, result: { ok: true, state: built.state, events: built.events } },
    });
    void this.feed({ kind: 'value-ready', height, round, blockHash: built.hash });
  }

  private decide(
    height: number,
    hash: Hex,
    commit: Parameters<ChainService['applySyncedBlock']>[1],
  ) {
    const b = this.blocks.get(hash);
    if (b === undefined) {
      this.log('decided a block it does not hold; waiting for sync', { height });
      return;
    }
    this.o.chain.applySyncedBlock(b.block, commit, b.applied).then(
      () => this.log('decided', { height, hash }),
      (error: unknown) => this.log('decided block not applied', { height, err: String(error) }),
    );
  }

  /** The chain's tip moved (or we just started): new-height for tip+1 after the interval. */
  private tipMoved(): void {
    const state = this.store().state;
    this.evidence.prune(state);
    const next = state.height + 1;
    if (next <= this.startingHeight) return;
    this.startingHeight = next;
    for (const [hash, b] of this.blocks) {
      if (b.block.header.height < next) this.blocks.delete(hash);
    }
    const wait = Math.max(0, state.lastBlockTime + this.o.blockIntervalMs - Date.now());
    const go = () =>
      void this.feed(() => {
        const now = this.store().state;
        if (now.height + 1 !== next) return null; // moved again meanwhile
        return {
          kind: 'new-height',
          height: next,
          validators: now.validatorSets.next,
          restored: this.guard!.snapshot(),
        };
      });
    if (state.height === 0 || wait === 0) go();
    else this.after(Math.min(wait, this.o.blockIntervalMs), go);
  }

  /** The validator set of tip+1 or tip+2 on `state` (fixed by the state: two-heights rule). */
  private gossipSet(state: ChainState, height: number): ValidatorSet {
    const next = state.validatorSets.next;
    if (height === state.height + 1) return next;
    let set = this.afterNextSet.get(state);
    if (set === undefined) {
      set = nextValidatorSet(next, validatorMembers(state));
      this.afterNextSet.set(state, set);
    }
    return set;
  }

  private readonly heldBlock = (hash: Hex) => this.blocks.get(hash);

  private validate(m: GossipMessage): GossipVerdict {
    const d = decodeConsensusPayload(m.tag, m.payload, this.heldBlock); // throws: reject
    const msg = d.kind === 'vote' ? d.vote : d.proposal;
    const state = this.store().state;
    // Final already, or too far ahead to judge: dropped, not forwarded, nobody punished.
    if (msg.height <= state.height || msg.height > state.height + 2) return 'ignore';
    const set = this.gossipSet(state, msg.height);
    if (powerOf(set, signerOf(msg)) === 0n) return 'reject';
    if (msg.type === 'proposal' && proposerOf(set, msg.round) !== msg.proposer) return 'reject';
    if (!verifyMessage(this.machine.config.chainId, msg)) return 'reject';
    return 'accept';
  }

  /** Evidence this node's machine found: into the pool, and out to peers when new. */
  private addEvidence(e: Evidence): void {
    let added: { result: 'added' | 'known'; id: Hex };
    try {
      added = this.evidence.add(this.store().state, e);
    } catch (error) {
      this.log('evidence not kept', { err: String(error) });
      return;
    }
    this.log('double signing seen', { validator: e.a.validator, height: e.a.height, ...added });
    if (added.result !== 'added') return;
    this.o.p2p.publish('evidence', encodeEvidence(e)).catch(() => undefined); // no peers yet
  }

  /** The `evidence` topic's check: kept in the pool when it proves a double signing here. */
  private receiveEvidence(payload: Uint8Array, from: string): GossipVerdict {
    const e = decodeEvidence(payload); // throws: reject (malformed)
    const state = this.store().state;
    try {
      const { result } = this.evidence.add(state, e);
      if (result === 'added') this.log('evidence received', { validator: e.a.validator, from });
      return result === 'added' ? 'accept' : 'ignore';
    } catch (error) {
      if (!isNoesisError(error)) throw error;
      const reason = String(error.data.reason ?? '');
      if (EVIDENCE_REJECT.has(reason)) return 'reject';
      // A validator that was never one (a made-up key with valid signatures) is spam; one that
      // was slashed meanwhile, or evidence that is late, early or applied, is a race.
      if (reason === 'not-validator' && !wasSlashed(state.slashes, e.a.validator)) return 'reject';
      return 'ignore';
    }
  }

  private receive(m: GossipMessage): void {
    let d: DecodedConsensus;
    try {
      d = decodeConsensusPayload(m.tag, m.payload, this.heldBlock);
    } catch {
      return;
    }
    if (d.kind === 'vote') {
      void this.feed({ kind: 'vote', vote: d.vote }, m.from);
      return;
    }
    const { proposal, block, blockBytes } = d;
    void this.feed(() => {
      const state = this.store().state;
      // Only a proposal on our tip can be judged; relays bring the others back later.
      if (proposal.height !== state.height + 1) return null;
      let held = this.blocks.get(proposal.blockHash);
      if (held === undefined) {
        held = { block, bytes: blockBytes };
        this.blocks.set(proposal.blockHash, held);
      }
      // The hash fixes the parent, so one verdict per block holds.
      if (held.valid === undefined) {
        const r = block.header.height === proposal.height ? applyBlock(state, block) : null;
        held.valid = r !== null && r.ok;
        if (r !== null && r.ok) held.applied = { pre: state, result: r };
      }
      return { kind: 'proposal', proposal, valid: held.valid };
    }, m.from);
  }
}
