// Deterministic simulation of the pure consensus machine: a virtual clock, a seeded PRNG, N
// validators with unequal stake, a network that drops, delays, duplicates and reorders packets
// (and partitions until GST), honest validators that crash and restart with their signing guard,
// and byzantine validators that equivocate, vote at random, spam future rounds or stay silent.
// Everything is a function of the seed: the same seed replays the same schedule.
//
// Oracles (checked as the run goes; the first violation ends it):
//  - agreement: no two honest nodes decide different blocks at one height;
//  - validity: a decided block was proposed and is valid; its commit verifies against the set;
//  - no honest double signing: an honest validator never signs two different messages for one
//    (height, round, step), crashes included; its guard never has to refuse the machine;
//  - evidence: an honest node that has accepted a vote or proposal and then receives a
//    conflicting one from the same validator reports it, and every reported piece of evidence
//    verifies and names a byzantine validator;
//  - liveness: after GST (no drops, delay ≤ Δ, crashed nodes back, partitions healed) every
//    honest node reaches `extraHeights` new heights within `livenessBudgetMs` of virtual time.
import { hash256, toHex, type Hex } from '../../../../electron/node/chain/crypto.ts';
import { evidenceSubject, verifyEvidence } from '../../../../electron/node/consensus/evidence.ts';
import {
  createMachine,
  heldMessages,
  step,
  type Action,
  type ConsensusState,
  type Input,
  type TimeoutConfig,
} from '../../../../electron/node/consensus/machine.ts';
import {
  CHAIN_CRYPTO,
  NIL,
  signerOf,
  signProposal,
  signVote,
  stepOf,
  verifyCommit,
  type ConsensusCrypto,
  type ConsensusMessage,
  type SignedProposal,
} from '../../../../electron/node/consensus/messages.ts';
import { MemorySigningGuard } from '../../../../electron/node/consensus/signing-guard.ts';
import {
  nextValidatorSet,
  createValidatorSet,
  snapshotHeightFor,
  type ValidatorMember,
  type ValidatorSet,
} from '../../../../electron/node/consensus/validator-set.ts';
import { CHAIN_ID, keyOf, memoCrypto } from '../fixtures.ts';
import type { Commit } from '../../../../electron/node/chain/block.ts';

/** sfc32: small, fast, good enough for schedules; seeded through splitmix32. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** [0, 1) */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** [0, n) */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  range(lo: number, hi: number): number {
    return lo + this.float() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

/** Min-heap of events by (time, sequence): ties resolve in scheduling order. */
class EventQueue<T> {
  private heap: { t: number; seq: number; ev: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(t: number, ev: T): void {
    const h = this.heap;
    h.push({ t, seq: this.seq++, ev });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): { t: number; ev: T } | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  private less(x: { t: number; seq: number }, y: { t: number; seq: number }): boolean {
    return x.t < y.t || (x.t === y.t && x.seq < y.seq);
  }
}

/**
 * equivocate: sends two different signed versions of some of its proposals and votes, to
 * different nodes or to everyone; random-votes: votes for another block half of the time;
 * future-spam: adds votes for far-future rounds; silent: sends nothing; vote-everything: proposes
 * a fresh block even when it knows a valid one (amnesia) and prevotes and precommits every
 * proposal it sees (the adversary that turns any lock bug into a fork).
 */
export type Behaviour =
  'equivocate' | 'random-votes' | 'future-spam' | 'silent' | 'vote-everything';

export interface Scenario {
  readonly seed: number;
  readonly n: number;
  readonly byzantine: readonly { index: number; behaviour: Behaviour }[];
  readonly stakes: readonly bigint[];
  /** Honest stake added after block `height` (takes effect at height+2). */
  readonly stakeChanges: readonly { height: number; index: number; add: bigint }[];
  readonly gstMs: number;
  readonly dropP: number;
  readonly dupP: number;
  readonly maxDelayMs: number;
  readonly deltaMs: number;
  readonly partition: readonly number[] | null;
  readonly crashes: readonly { index: number; atMs: number; downMs: number }[];
  readonly crashAfterPersistP: number;
  readonly timeouts: TimeoutConfig;
  readonly extraHeights: number;
  readonly livenessBudgetMs: number;
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly failure: string | null;
  readonly scenario: Scenario;
  /** Lowest honest height decided at the end. */
  readonly minHeight: number;
  readonly decisions: number;
  readonly virtualMs: number;
  readonly packets: number;
  readonly steps: number;
  readonly equivocations: number;
  readonly equivocationsReported: number;
  readonly crashes: number;
  /** Heights a node got by block sync instead of deciding them itself. */
  readonly syncs: number;
}

/** A random scenario from the seed: N 4 or 7, byzantine stake strictly below 1/3. */
export function scenarioOf(seed: number, n?: number): Scenario {
  const rng = new Rng(seed ^ 0x5eed);
  const size = n ?? (rng.chance(0.5) ? 4 : 7);
  const maxByz = size === 4 ? 1 : 2;
  const byzCount = rng.chance(0.25) ? 0 : 1 + rng.int(maxByz);
  const order = rng.shuffle([...Array(size).keys()]);
  const byzIdx = new Set(order.slice(0, byzCount));
  const stakes: bigint[] = Array.from({ length: size }, () => BigInt(10 + rng.int(91)));
  // byzantine total B must satisfy 3B < B + H, i.e. 2B < H; sometimes right at the edge.
  let honest = 0n;
  for (let i = 0; i < size; i++) if (!byzIdx.has(i)) honest += stakes[i]!;
  const budget = (honest - 1n) / 2n;
  const perByz = budget / BigInt(Math.max(1, byzCount));
  for (const i of byzIdx) {
    stakes[i] = rng.chance(0.4) ? perByz : 1n + BigInt(rng.int(Number(perByz)));
  }
  const behaviours: Behaviour[] = [
    'equivocate',
    'equivocate',
    'random-votes',
    'future-spam',
    'silent',
    'vote-everything',
    'vote-everything',
  ];
  const byzantine = [...byzIdx].map((index) => ({
    index,
    behaviour: behaviours[rng.int(behaviours.length)]!,
  }));
  const stakeChanges: { height: number; index: number; add: bigint }[] = [];
  for (let k = 0; k < 3; k++) {
    const honestIdx = order.slice(byzCount);
    stakeChanges.push({
      height: 1 + rng.int(6),
      index: honestIdx[rng.int(honestIdx.length)]!,
      add: BigInt(rng.int(60)),
    });
  }
  const gstMs = rng.chance(0.15) ? 0 : rng.range(0, 8000);
  const partition = rng.chance(0.3) ? Array.from({ length: size }, () => rng.int(2)) : null;
  const crashes: { index: number; atMs: number; downMs: number }[] = [];
  if (gstMs > 0) {
    for (const i of order.slice(byzCount)) {
      if (rng.chance(0.3)) {
        const atMs = rng.range(0, gstMs);
        crashes.push({ index: i, atMs, downMs: Math.min(rng.range(0, 4000), gstMs - atMs) });
      }
    }
  }
  return {
    seed,
    n: size,
    byzantine,
    stakes,
    stakeChanges,
    gstMs,
    dropP: rng.range(0, 0.35),
    dupP: rng.range(0, 0.2),
    maxDelayMs: rng.range(5, 2500),
    deltaMs: rng.range(1, 150),
    partition,
    crashes,
    crashAfterPersistP: crashes.length > 0 ? 0.02 : 0,
    timeouts: { proposeMs: 1000, prevoteMs: 500, precommitMs: 500, deltaMs: 250 },
    extraHeights: 2,
    livenessBudgetMs: 90_000,
  };
}

interface Packet {
  readonly from: number;
  /** The sender's height (a status line, as the real node's gossip carries). */
  readonly height: number;
  readonly messages: readonly ConsensusMessage[];
  readonly sync?: Decided & { readonly height: number };
}

type Event =
  | { kind: 'deliver'; to: number; packet: Packet }
  | { kind: 'input'; node: number; incarnation: number; input: Input }
  | { kind: 'gossip'; node: number; incarnation: number }
  | { kind: 'crash'; node: number; downMs: number }
  | { kind: 'restart'; node: number };

interface Decided {
  readonly blockHash: Hex;
  readonly commit: Commit;
  readonly proposal: SignedProposal;
}

interface SimNode {
  readonly index: number;
  readonly key: Hex;
  readonly behaviour: Behaviour | null;
  state: ConsensusState | null;
  incarnation: number;
  readonly guard: MemorySigningGuard;
  /** The node's block store: survives crashes. */
  readonly decided: Map<number, Decided>;
  readonly peerHeight: Map<number, number>;
  readonly lastSync: Map<string, number>;
}

class SimFailure extends Error {}

/** Default: sign and verify memoized across runs (both are pure; the cache is bounded). */
const memoizedCrypto = memoCrypto(CHAIN_CRYPTO);

/** Block ids do not depend on the seed, so signatures repeat across runs and the memo pays. */
function valueId(label: string): Hex {
  return toHex(hash256(new TextEncoder().encode(label)));
}

export function runSimulation(sc: Scenario, options: { crypto?: ConsensusCrypto } = {}): SimResult {
  const sharedCrypto = options.crypto ?? memoizedCrypto;
  const rng = new Rng(sc.seed);
  const q = new EventQueue<Event>();
  let now = 0;
  let packets = 0;
  let steps = 0;
  let crashCount = 0;
  let syncs = 0;
  const keys = Array.from({ length: sc.n }, (_, i) => keyOf(i));
  const byzBehaviour = new Map(sc.byzantine.map((b) => [b.index, b.behaviour]));
  const nodes: SimNode[] = keys.map((k, index) => ({
    index,
    key: k.key,
    behaviour: byzBehaviour.get(index) ?? null,
    state: null,
    incarnation: 0,
    guard: new MemorySigningGuard(),
    decided: new Map(),
    peerHeight: new Map(),
    lastSync: new Map(),
  }));
  const indexOfKey = new Map(keys.map((k, i) => [k.key, i]));
  const honest = nodes.filter((n) => n.behaviour === null);

  // -- validator sets: stake snapshots, applied two heights later -----------------------------
  const membersAfter = (k: number): ValidatorMember[] => {
    const stakes = [...sc.stakes];
    for (const c of sc.stakeChanges) if (c.height <= k) stakes[c.index]! += c.add;
    return stakes.map((power, i) => ({ key: keys[i]!.key, power }));
  };
  const sets: ValidatorSet[] = [createValidatorSet(membersAfter(0))];
  const setFor = (h: number): ValidatorSet => {
    while (sets.length < h) {
      const next = sets.length + 1;
      sets.push(nextValidatorSet(sets.at(-1)!, membersAfter(snapshotHeightFor(next))));
    }
    return sets[h - 1]!;
  };

  // -- oracles ---------------------------------------------------------------------------------
  const values = new Map<Hex, boolean>();
  const decisions = new Map<number, Hex>();
  const honestSigned = new Map<string, Hex>();
  const equivocations = new Map<string, number>(); // key → reported count
  let decisionsCount = 0;
  const fail = (why: string): never => {
    throw new SimFailure(why);
  };

  // -- network ---------------------------------------------------------------------------------
  const sendPacket = (from: number, to: number, packet: Packet) => {
    if (from === to) return;
    const beforeGst = now < sc.gstMs;
    if (beforeGst) {
      if (rng.chance(sc.dropP)) return;
      if (sc.partition !== null && sc.partition[from] !== sc.partition[to]) return;
    }
    const delay = () => (beforeGst ? rng.range(0, sc.maxDelayMs) : rng.range(0, sc.deltaMs));
    q.push(now + delay(), { kind: 'deliver', to, packet });
    packets++;
    if (rng.chance(sc.dupP)) {
      q.push(now + delay(), { kind: 'deliver', to, packet });
      packets++;
    }
  };
  const send = (from: number, to: number, messages: readonly ConsensusMessage[]) => {
    if (messages.length === 0) return;
    sendPacket(from, to, { from, height: nodes[from]!.state?.height ?? 0, messages });
  };
  const broadcast = (from: number, m: ConsensusMessage) => {
    for (let to = 0; to < sc.n; to++) send(from, to, [m]);
  };

  const recordHonestSignature = (m: ConsensusMessage) => {
    const k = `${signerOf(m)}/${m.height}/${m.round}/${stepOf(m)}`;
    const prev = honestSigned.get(k);
    if (prev === undefined) honestSigned.set(k, m.blockHash);
    else if (prev !== m.blockHash) fail(`honest validator double-signed ${k}`);
  };

  // -- byzantine message shaping -----------------------------------------------------------
  const conflicting = (node: SimNode, m: ConsensusMessage): ConsensusMessage => {
    const k = keys[node.index]!;
    if (m.type === 'proposal') {
      const alt = valueId(`byz/${m.height}/${m.round}/${node.index}`);
      if (!values.has(alt)) values.set(alt, (m.height + m.round) % 3 !== 0);
      return signProposal(
        CHAIN_ID,
        { height: m.height, round: m.round, polRound: -1, blockHash: alt },
        k.secretKey,
        k.key,
        sharedCrypto,
      );
    }
    const alt = m.blockHash === NIL ? valueId(`byz/${m.height}/${m.round}/${node.index}`) : NIL;
    return signVote(
      CHAIN_ID,
      { type: m.type, height: m.height, round: m.round, blockHash: alt },
      k.secretKey,
      k.key,
      sharedCrypto,
    );
  };

  const byzantineBroadcast = (node: SimNode, m: ConsensusMessage) => {
    switch (node.behaviour) {
      case 'silent':
        return;
      case 'equivocate': {
        if (!rng.chance(0.6)) return broadcast(node.index, m);
        const m2 = conflicting(node, m);
        equivocations.set(`${node.key}/${m.height}/${m.round}/${stepOf(m)}`, 0);
        const everyone = rng.chance(0.5);
        for (let to = 0; to < sc.n; to++) {
          if (everyone) {
            const pair = rng.chance(0.5) ? [m, m2] : [m2, m];
            send(node.index, to, [pair[0]!]);
            send(node.index, to, [pair[1]!]);
          } else {
            send(node.index, to, [rng.chance(0.5) ? m : m2]);
          }
        }
        return;
      }
      case 'random-votes':
        return broadcast(node.index, rng.chance(0.5) ? conflicting(node, m) : m);
      case 'vote-everything': {
        if (m.type !== 'proposal') return broadcast(node.index, m);
        const k = keys[node.index]!;
        // Re-propose the oldest polka it knows (a stale proof of lock), else a fresh block.
        let blockHash = valueId(`byz/${m.height}/${m.round}/${node.index}`);
        let polRound = -1;
        const st = node.state;
        for (let r = 0; st !== null && r < m.round; r++) {
          const quorum = st.rounds.get(r)?.prevotes.quorum;
          if (quorum !== undefined && quorum !== null && quorum !== NIL) {
            blockHash = quorum;
            polRound = r;
            break;
          }
        }
        if (!values.has(blockHash)) values.set(blockHash, true);
        const fresh = signProposal(
          CHAIN_ID,
          { height: m.height, round: m.round, polRound, blockHash },
          k.secretKey,
          k.key,
          sharedCrypto,
        );
        return broadcast(node.index, fresh);
      }
      case 'future-spam': {
        broadcast(node.index, m);
        if (m.type === 'proposal') return;
        const k = keys[node.index]!;
        const r = m.round + 1 + rng.int(50);
        const spam = signVote(
          CHAIN_ID,
          { type: m.type, height: m.height, round: r, blockHash: NIL },
          k.secretKey,
          k.key,
          sharedCrypto,
        );
        return broadcast(node.index, spam);
      }
    }
  };

  // -- node shell ------------------------------------------------------------------------------
  const input = (node: SimNode, inp: Input) => {
    if (node.state === null) return;
    const before = node.state;
    const r = step(before, inp);
    steps++;
    node.state = r.state;
    execute(node, r.actions);
  };

  const checkEvidenceInvariant = (node: SimNode, m: ConsensusMessage) => {
    const s = node.state;
    if (s === null || m.height !== s.height) return;
    const rs = s.rounds.get(m.round);
    if (rs === undefined) return;
    const signer = signerOf(m);
    let held: ConsensusMessage | undefined;
    if (m.type === 'proposal') {
      held = rs.proposals.find((e) => e.proposal.proposer === signer)?.proposal;
    } else {
      held = (m.type === 'prevote' ? rs.prevotes : rs.precommits).byValidator
        .get(signer)
        ?.find((v) => v.blockHash !== m.blockHash);
    }
    if (held !== undefined && held.blockHash !== m.blockHash) {
      const key = `${signer}/${m.round}/${stepOf(m)}`;
      if (!s.equivocations.has(key)) {
        fail(`node ${node.index} holds two ${stepOf(m)}s of one validator but reported nothing`);
      }
    }
  };

  const execute = (node: SimNode, actions: readonly Action[]) => {
    const inc = node.incarnation;
    for (let i = 0; i < actions.length; i++) {
      if (node.incarnation !== inc) return; // crashed mid-way
      const a = actions[i]!;
      switch (a.kind) {
        case 'persist': {
          if (node.behaviour !== null) break;
          const d = node.guard.authorizeSync(a.message, a.lock);
          if (!d.ok) fail(`guard refused the machine of node ${node.index}: ${d.reason}`);
          if (now < sc.gstMs && rng.chance(sc.crashAfterPersistP)) {
            crash(node, rng.range(0, Math.max(0, sc.gstMs - now)));
            return;
          }
          break;
        }
        case 'broadcast':
          if (node.behaviour !== null) byzantineBroadcast(node, a.message);
          else {
            recordHonestSignature(a.message);
            broadcast(node.index, a.message);
          }
          break;
        case 'request-value': {
          const v = valueId(`v/${a.height}/${a.round}/${node.index}`);
          values.set(v, true);
          q.push(now + rng.range(0, 30), {
            kind: 'input',
            node: node.index,
            incarnation: inc,
            input: { kind: 'value-ready', height: a.height, round: a.round, blockHash: v },
          });
          break;
        }
        case 'schedule-timeout':
          q.push(now + a.delayMs, {
            kind: 'input',
            node: node.index,
            incarnation: inc,
            input: { kind: 'timeout', timeout: a.timeout },
          });
          break;
        case 'decide':
          applyDecision(node, a.height, {
            blockHash: a.blockHash,
            commit: a.commit,
            proposal: a.proposal,
          });
          break;
        case 'evidence': {
          if (node.behaviour !== null) break;
          const subject = evidenceSubject(a.evidence);
          const v = verifyEvidence(CHAIN_ID, a.evidence, setFor(subject.height), {
            crypto: sharedCrypto,
          });
          if (!v.ok) fail(`evidence from node ${node.index} does not verify: ${v.reason}`);
          const idx = indexOfKey.get(subject.validator)!;
          if (nodes[idx]!.behaviour === null) fail(`evidence names honest validator ${idx}`);
          const k = `${subject.validator}/${subject.height}/${subject.round}/${subject.step}`;
          equivocations.set(k, (equivocations.get(k) ?? 0) + 1);
          break;
        }
        case 'reject':
          break;
      }
    }
  };

  /** A decision (the machine's own, or a synced block with its commit): store, check, move on. */
  const applyDecision = (node: SimNode, height: number, d: Decided) => {
    node.decided.set(height, d);
    if (node.behaviour === null) {
      decisionsCount++;
      const prev = decisions.get(height);
      if (prev === undefined) decisions.set(height, d.blockHash);
      else if (prev !== d.blockHash) {
        fail(`agreement: height ${height} decided ${prev} and ${d.blockHash}`);
      }
      if (values.get(d.blockHash) !== true) fail(`validity: decided an invalid block`);
      const c = verifyCommit(CHAIN_ID, d.commit, setFor(height), sharedCrypto);
      if (!c.ok) fail(`commit of height ${height} does not verify: ${c.reason}`);
    }
    q.push(now + rng.range(0, 20), {
      kind: 'input',
      node: node.index,
      incarnation: node.incarnation,
      input: { kind: 'new-height', height: height + 1, validators: setFor(height + 1) },
    });
  };

  const boot = (node: SimNode) => {
    node.state = createMachine({
      chainId: CHAIN_ID,
      signer: keys[node.index]!,
      timeouts: sc.timeouts,
      crypto: sharedCrypto,
    });
    const height = node.decided.size + 1;
    input(node, {
      kind: 'new-height',
      height,
      validators: setFor(height),
      restored: node.behaviour === null ? node.guard.snapshot() : null,
    });
    q.push(now + rng.range(0, 300), {
      kind: 'gossip',
      node: node.index,
      incarnation: node.incarnation,
    });
  };

  const crash = (node: SimNode, downMs: number) => {
    node.state = null;
    node.incarnation++;
    node.peerHeight.clear();
    crashCount++;
    q.push(now + downMs, { kind: 'restart', node: node.index });
  };

  /** Block sync: the decided block of height h and its commit, for a lagging peer. */
  const syncPeer = (node: SimNode, peer: number, h: number) => {
    const d = node.decided.get(h);
    if (d === undefined) return;
    const k = `${peer}/${h}`;
    const last = node.lastSync.get(k);
    if (last !== undefined && now - last < 200) return;
    node.lastSync.set(k, now);
    sendPacket(node.index, peer, {
      from: node.index,
      height: node.state?.height ?? 0,
      messages: [],
      sync: { height: h, ...d },
    });
  };

  /** What the node's sync does with a block from a peer: verify its commit, apply it. */
  const onSync = (node: SimNode, h: number, d: Decided) => {
    const s = node.state;
    if (s === null || s.height !== h || s.status === 'decided') return;
    if (d.proposal.blockHash !== d.commit.blockHash || d.commit.height !== h) return;
    if (values.get(d.blockHash) !== true) return;
    if (!verifyCommit(CHAIN_ID, d.commit, setFor(h), sharedCrypto).ok) return;
    syncs++;
    applyDecision(node, h, d);
  };

  /** vote-everything: a prevote and a precommit for every proposal it sees. */
  const voted = new Set<string>();
  const voteFor = (node: SimNode, p: SignedProposal) => {
    const k = keys[node.index]!;
    const id = `${node.index}/${p.height}/${p.round}/${p.blockHash}`;
    if (voted.has(id)) return;
    voted.add(id);
    for (const type of ['prevote', 'precommit'] as const) {
      broadcast(
        node.index,
        signVote(
          CHAIN_ID,
          { type, height: p.height, round: p.round, blockHash: p.blockHash },
          k.secretKey,
          k.key,
          sharedCrypto,
        ),
      );
    }
  };

  const deliver = (node: SimNode, packet: Packet) => {
    if (node.state === null) return;
    node.peerHeight.set(packet.from, packet.height);
    if (packet.sync !== undefined) onSync(node, packet.sync.height, packet.sync);
    for (const m of packet.messages) {
      if (node.state === null) return;
      const valid = m.type === 'proposal' ? values.get(m.blockHash) === true : false;
      input(
        node,
        m.type === 'proposal'
          ? { kind: 'proposal', proposal: m, valid }
          : { kind: 'vote', vote: m },
      );
      if (node.behaviour === null) checkEvidenceInvariant(node, m);
      else if (node.behaviour === 'vote-everything' && m.type === 'proposal') voteFor(node, m);
    }
    const mine = node.state?.height ?? 0;
    if (packet.height > 0 && packet.height < mine) syncPeer(node, packet.from, packet.height);
  };

  const gossip = (node: SimNode) => {
    const s = node.state;
    if (s === null) return;
    let peer = rng.int(sc.n - 1);
    if (peer >= node.index) peer++;
    const ph = node.peerHeight.get(peer);
    if (ph !== undefined && ph < s.height && ph > 0) syncPeer(node, peer, ph);
    else if (node.behaviour !== 'silent') send(node.index, peer, heldMessages(s));
    q.push(now + 250 + rng.range(0, 100), {
      kind: 'gossip',
      node: node.index,
      incarnation: node.incarnation,
    });
  };

  // -- run -------------------------------------------------------------------------------------
  for (const c of sc.crashes) q.push(c.atMs, { kind: 'crash', node: c.index, downMs: c.downMs });
  for (const node of nodes) boot(node);

  let failure: string | null = null;
  let gstHeight: number | null = null;
  const minHonestHeight = () => Math.min(...honest.map((n) => n.decided.size));
  const maxHonestHeight = () => Math.max(...honest.map((n) => n.decided.size));
  try {
    for (;;) {
      const e = q.pop();
      if (e === undefined) fail('event queue ran dry');
      now = e!.t;
      if (gstHeight === null && now >= sc.gstMs) gstHeight = maxHonestHeight();
      if (gstHeight !== null) {
        if (minHonestHeight() >= gstHeight + sc.extraHeights) break;
        if (now > sc.gstMs + sc.livenessBudgetMs) {
          fail(
            `liveness: ${sc.livenessBudgetMs} ms after GST honest heights are ` +
              honest.map((n) => `${n.index}:${n.decided.size}`).join(' ') +
              `, needed ${gstHeight + sc.extraHeights}`,
          );
        }
      }
      const ev = e!.ev;
      switch (ev.kind) {
        case 'deliver':
          deliver(nodes[ev.to]!, ev.packet);
          break;
        case 'input': {
          const node = nodes[ev.node]!;
          if (node.incarnation === ev.incarnation) input(node, ev.input);
          break;
        }
        case 'gossip': {
          const node = nodes[ev.node]!;
          if (node.incarnation === ev.incarnation) gossip(node);
          break;
        }
        case 'crash': {
          const node = nodes[ev.node]!;
          if (node.state !== null) crash(node, ev.downMs);
          break;
        }
        case 'restart': {
          const node = nodes[ev.node]!;
          if (node.state === null) boot(node);
          break;
        }
      }
    }
  } catch (error) {
    if (!(error instanceof SimFailure)) throw error;
    failure = error.message;
  }
  let reported = 0;
  for (const c of equivocations.values()) if (c > 0) reported++;
  return {
    seed: sc.seed,
    ok: failure === null,
    failure,
    scenario: sc,
    minHeight: minHonestHeight(),
    decisions: decisionsCount,
    virtualMs: now,
    packets,
    steps,
    equivocations: equivocations.size,
    equivocationsReported: reported,
    crashes: crashCount,
    syncs,
  };
}

/** What to print when a run fails: enough to replay it. */
export function describeFailure(r: SimResult): string {
  const sc = r.scenario;
  return (
    `simulation seed ${r.seed} failed: ${r.failure}\n` +
    `  replay: NOESIS_SIM_SEED=${r.seed} ./node_modules/.bin/node --test test/unit/consensus/simulation.test.ts\n` +
    `  n=${sc.n} stakes=${sc.stakes.join(',')} byzantine=${JSON.stringify(sc.byzantine)} ` +
    `gst=${Math.round(sc.gstMs)}ms drop=${sc.dropP.toFixed(2)} dup=${sc.dupP.toFixed(2)} ` +
    `maxDelay=${Math.round(sc.maxDelayMs)}ms partition=${JSON.stringify(sc.partition)} ` +
    `crashes=${JSON.stringify(sc.crashes.map((c) => c.index))} at t=${Math.round(r.virtualMs)}ms`
  );
}
