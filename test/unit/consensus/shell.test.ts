// The consensus shell's network-facing checks, on a real chain (ChainService over a temporary
// folder, a four-validator genesis, this node a follower) with the gossip seen through the
// ConsensusGossip interface: what the consensus and evidence topics accept, ignore and reject,
// that a relayer of a message the machine rejects is penalized, and that a double signing the
// machine sees goes into the pool and out on the evidence topic.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Evidence } from '../../../electron/node/chain/block.ts';
import { decodeEvidence, encodeEvidence } from '../../../electron/node/chain/codec.ts';
import { hash256, toHex, type Hex } from '../../../electron/node/chain/crypto.ts';
import { ChainService } from '../../../electron/node/chain/service.ts';
import { signVote, type SignedVote } from '../../../electron/node/consensus/messages.ts';
import {
  ConsensusShell,
  encodeVotePayload,
  timeoutsForInterval,
  type ConsensusGossip,
} from '../../../electron/node/consensus/shell.ts';
import type { GossipMessage, GossipVerdict } from '../../../electron/node/p2p/gossip.ts';
import { ConsensusTag } from '../../../electron/node/p2p/protocols.ts';
import { testGenesisDoc, testKey, type TestKey } from '../chain/fixtures.ts';

const vals = [0, 1, 2, 3].map((i) => ({
  consensus: testKey(`shell-val-${i}`),
  hot: testKey(`shell-hot-${i}`),
  cold: testKey(`shell-cold-${i}`),
}));
const stranger = testKey('shell-stranger');
const CHAIN = 'noesis-test';

type Validator = (m: GossipMessage) => GossipVerdict | Promise<GossipVerdict>;

class GossipDouble implements ConsensusGossip {
  readonly validators = new Map<string, Validator>();
  readonly handlers = new Map<string, (m: GossipMessage) => void>();
  readonly penalties: Array<[string, string]> = [];
  readonly published: Array<{ topic: string; data: Uint8Array }> = [];
  readonly scores = {
    penalize: (peer: string, reason: string): number => {
      this.penalties.push([peer, reason]);
      return 0;
    },
  };
  publishConsensus(tag: number, payload: Uint8Array): Promise<number> {
    this.published.push({ topic: 'consensus', data: Uint8Array.of(tag, ...payload) });
    return Promise.resolve(0);
  }
  publish(topic: 'evidence', data: Uint8Array): Promise<number> {
    this.published.push({ topic, data });
    return Promise.resolve(0);
  }
  setGossipValidator(topic: 'consensus' | 'evidence', v: Validator | null): void {
    if (v === null) this.validators.delete(topic);
    else this.validators.set(topic, v);
  }
  onGossip(topic: 'consensus', handler: (m: GossipMessage) => void): () => void {
    this.handlers.set(topic, handler);
    return () => this.handlers.delete(topic);
  }
}

function voteMessage(v: SignedVote, from: string): GossipMessage {
  const payload = encodeVotePayload(v, Math.floor(Math.random() * 1e9));
  return {
    topic: 'consensus',
    from,
    data: Uint8Array.of(ConsensusTag.VOTE, ...payload),
    tag: ConsensusTag.VOTE,
    payload,
  };
}

const id = (label: string): Hex => toHex(hash256(new TextEncoder().encode(label)));

function vote(who: TestKey, height: number, label: string, round = 0): SignedVote {
  return signVote(
    CHAIN,
    { type: 'prevote', height, round, blockHash: id(label) },
    who.secret,
    who.hex,
  );
}

function evidence(who: TestKey, height: number): Evidence {
  const [x, y] = [vote(who, height, 'e1'), vote(who, height, 'e2')].sort((a, b) =>
    a.blockHash < b.blockHash ? -1 : 1,
  );
  return { kind: 'duplicate-vote', a: x!, b: y! };
}

describe('consensus shell: gossip checks, penalties, evidence', () => {
  let dir: string;
  let chain: ChainService;
  let shell: ConsensusShell;
  const gossip = new GossipDouble();
  const check = (topic: string, m: Partial<GossipMessage> & { payload: Uint8Array }) =>
    gossip.validators.get(topic)!({
      topic: topic as GossipMessage['topic'],
      from: 'peer-a',
      data: m.payload,
      tag: null,
      ...m,
    });

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-shell-'));
    const genesis = testGenesisDoc({
      params: { blockIntervalMs: 60_000, subnetDefaults: { tempo: 1000 } },
      validators: vals.map((v) => ({
        consensusKey: v.consensus.hex,
        hotkey: v.hot.address,
        coldkey: v.cold.address,
        stake: '100',
      })),
    });
    chain = new ChainService({ dataDir: dir, genesis });
    await chain.start(new AbortController().signal);
    shell = new ConsensusShell({
      dataDir: dir,
      chain,
      p2p: gossip,
      timeouts: timeoutsForInterval(60_000),
      blockIntervalMs: 60_000,
      relayMs: 60_000,
    });
    await shell.start();
    for (let i = 0; i < 100 && shell.position.height !== 1; i++) await sleep(10);
    assert.equal(shell.position.height, 1);
  });

  after(async () => {
    await shell?.stop();
    await chain?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('consensus topic: members of the next two heights pass, the rest is dropped or rejected', async () => {
    const c = (v: SignedVote) => check('consensus', voteMessage(v, 'peer-a'));
    assert.equal(await c(vote(vals[1]!.consensus, 1, 'a')), 'accept');
    assert.equal(await c(vote(vals[1]!.consensus, 2, 'a')), 'accept', 'tip+2: its set is known');
    assert.equal(await c(vote(vals[1]!.consensus, 3, 'a')), 'ignore', 'too far ahead to judge');
    assert.equal(await c(vote(stranger, 1, 'a')), 'reject', 'not in the set');
    assert.equal(await c(vote(stranger, 2, 'a')), 'reject');
    assert.equal(await c(vote(stranger, 900, 'a')), 'ignore', 'far ahead: nobody punished');
    const forged = { ...vote(stranger, 1, 'a'), validator: vals[2]!.consensus.hex };
    assert.equal(await c(forged), 'reject', 'a signature that is not the validator’s');
    await assert.rejects(
      async () =>
        check('consensus', {
          tag: ConsensusTag.VOTE,
          payload: new TextEncoder().encode('{"m":'),
        }),
      'undecodable: thrown, which the gossip layer counts as malformed',
    );
  });

  test('a relayer of a message the machine rejects is penalized', async () => {
    // Straight to the handler (as if the gossip check had let it through).
    gossip.handlers.get('consensus')!(voteMessage(vote(stranger, 1, 'b'), 'peer-b'));
    for (let i = 0; i < 100 && gossip.penalties.length === 0; i++) await sleep(10);
    assert.deepEqual(gossip.penalties, [['peer-b', 'invalid']]);
    // A validator's vote costs nothing.
    gossip.handlers.get('consensus')!(voteMessage(vote(vals[3]!.consensus, 1, 'b'), 'peer-c'));
    await sleep(50);
    assert.deepEqual(gossip.penalties, [['peer-b', 'invalid']]);
  });

  test('a double signing the machine sees goes into the pool and out on the evidence topic', async () => {
    const before = shell.evidence.size;
    const h = gossip.handlers.get('consensus')!;
    h(voteMessage(vote(vals[2]!.consensus, 1, 'x'), 'peer-d'));
    h(voteMessage(vote(vals[2]!.consensus, 1, 'y'), 'peer-d'));
    for (let i = 0; i < 100 && shell.evidence.size === before; i++) await sleep(10);
    assert.equal(shell.evidence.size, before + 1);
    const out = gossip.published.filter((p) => p.topic === 'evidence');
    assert.equal(out.length, 1);
    const e = decodeEvidence(out[0]!.data);
    assert.equal(e.a.validator, vals[2]!.consensus.hex);
    assert.deepEqual(new Set([e.a.blockHash, e.b.blockHash]), new Set([id('x'), id('y')]));
  });

  test('evidence topic: valid new evidence is kept; forged or made-up is rejected; early is ignored', async () => {
    const c = (e: Evidence | Uint8Array) =>
      check('evidence', { payload: e instanceof Uint8Array ? e : encodeEvidence(e) });
    const size = shell.evidence.size;
    const good = evidence(vals[0]!.consensus, 1);
    assert.equal(await c(good), 'accept');
    assert.equal(shell.evidence.size, size + 1);
    assert.equal(await c(good), 'ignore', 'known already');
    assert.equal(await c({ ...good, b: { ...good.b, signature: good.a.signature } }), 'reject');
    assert.equal(await c(evidence(stranger, 1)), 'reject', 'never a validator');
    assert.equal(await c(evidence(vals[1]!.consensus, 5)), 'ignore', 'offence above our height');
    await assert.rejects(async () => c(Uint8Array.of(1, 2, 3)), 'undecodable');
    assert.equal(shell.evidence.size, size + 1);
  });
});
