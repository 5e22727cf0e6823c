/**
 * Four validators in this process (ChainService + NetworkService each, real libp2p on 127.0.0.1,
 * test/helpers/in-process-validators.ts) under faults, one network for three tests in order:
 *   1. a hostile peer publishes malformed, oversized and unsigned consensus messages, votes from a
 *      non-validator and a flood of far-future votes: the victim keeps finalizing the same blocks
 *      as everyone else and the hostile peer's score drops until it is banned;
 *   2. a partition splits the validators 2/2 (each side's connection gater refuses the other
 *      side, open connections are closed): no height finalizes; healed, the chain resumes and
 *      every node has one history;
 *   3. one validator double-signs (the test signs two conflicting prevotes with its consensus key
 *      and publishes both from its node): the others catch it, the evidence lands in one block on
 *      every node, the offender's stake drops by exactly slashFraction, it leaves the validator
 *      set, and the other three go on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { multiaddr } from '@multiformats/multiaddr';
import { hash256, randomSecretKey, publicKeyOf, toHex } from '../../electron/node/chain/crypto.ts';
import { encodeProposalPayload, encodeVotePayload } from '../../electron/node/consensus/shell.ts';
import { signVote, type SignedVote } from '../../electron/node/consensus/messages.ts';
import { createP2PHost, type P2PHost } from '../../electron/node/p2p/host.ts';
import { ConsensusTag, topicId } from '../../electron/node/p2p/protocols.ts';
import {
  oneHistory,
  startInProcessValidators,
  waitFor,
  type InProcessNetwork,
} from '../helpers/in-process-validators.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const SLASH_BPS = 1000n; // 10 %

let net: InProcessNetwork;
let chainId: string;
const hosts: P2PHost[] = [];

const height = (i: number) => net.state(i).height;
const minHeight = () => Math.min(...net.nodes.map((n) => height(n.index)));
const maxHeight = () => Math.max(...net.nodes.map((n) => height(n.index)));
const randomHash = () => toHex(hash256(randomSecretKey()));

async function attacker(target: string): Promise<P2PHost> {
  const host = await createP2PHost({
    chainId,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    upnp: false,
    relayClient: false,
    autonat: false,
    dht: false,
  });
  hosts.push(host);
  await host.dial(multiaddr(target));
  const topic = topicId(chainId, 'consensus');
  host.services.pubsub.subscribe(topic);
  await waitFor('the victim in the attacker’s topic mesh', () =>
    host.services.pubsub.getSubscribers(topic).length > 0 ? true : null,
  );
  return host;
}

function framed(tag: number, payload: Uint8Array): Uint8Array {
  const data = new Uint8Array(payload.length + 1);
  data[0] = tag;
  data.set(payload, 1);
  return data;
}

describe('consensus under faults: four in-process validators on 127.0.0.1', () => {
  before(async () => {
    const root = await tempDir('noesis-faults-');
    net = await startInProcessValidators(root, 4, {
      blockIntervalMs: 200,
      // no epoch during the test: the validators' stake changes only by the slash
      params: { slashFraction: Number(SLASH_BPS), subnetDefaults: { tempo: 50_000 } },
    });
    chainId = net.genesis.chainId;
    await waitFor('all four at height 3', () => (minHeight() >= 3 ? true : null), 30_000);
  });

  after(async () => {
    for (const h of hosts) await h.stop();
    await net?.stop();
  });

  it('malformed, oversized and unsigned messages, votes from non-validators and floods of future-height messages leave the node healthy and its state root unchanged', async (t) => {
    const t0 = Date.now();
    const victim = net.nodes[0]!;
    const p2p = net.p2p(0);
    const topic = topicId(chainId, 'consensus');
    const x = await attacker(victim.address);
    const xId = x.peerId.toString();
    const score = () => Math.round(p2p.scores.score(xId));
    const start = height(0);
    const stranger = randomSecretKey();
    const strangerKey = toHex(publicKeyOf(stranger));
    const vote = (h: number, secret: Uint8Array, key: string): SignedVote =>
      signVote(
        chainId,
        { type: 'prevote', height: h, round: 0, blockHash: randomHash() },
        secret,
        key,
      );
    let n = 0;
    const send = (tag: number, payload: Uint8Array) =>
      x.services.pubsub.publish(topic, framed(tag, payload)).catch(() => undefined);

    // A flood of 500 votes for heights far ahead: nobody can judge them yet, so they are
    // dropped (not forwarded, not buffered) and nobody is punished for being ahead.
    const ignoredBefore = p2p.gossip.stats.ignored;
    for (let i = 0; i < 500; i++) {
      await send(
        ConsensusTag.VOTE,
        encodeVotePayload(vote(start + 50 + i, stranger, strangerKey), n++),
      );
    }
    await waitFor('the flood dropped', () =>
      p2p.gossip.stats.ignored - ignoredBefore >= 450 ? true : null,
    );
    assert.equal(score(), 0, 'far-future messages cost nothing');

    // A well-signed vote of a key outside the validator set, at the height being decided.
    await send(
      ConsensusTag.VOTE,
      encodeVotePayload(vote(height(0) + 1, stranger, strangerKey), n++),
    );
    await waitFor('non-validator vote penalized', () => (score() <= -20 ? true : null));
    // A vote in a real validator's name that it never signed (the signature is someone else's).
    const forged = { ...vote(height(0) + 1, stranger, strangerKey), validator: net.nodes[1]!.key };
    await send(ConsensusTag.VOTE, encodeVotePayload(forged, n));
    await waitFor('unsigned vote penalized', () => (score() <= -40 ? true : null));
    // Bytes that are no consensus message at all.
    await send(ConsensusTag.VOTE, new TextEncoder().encode('{"m": "not a vote'));
    await waitFor('malformed message penalized and its sender banned', () =>
      p2p.scores.isBanned(xId) ? true : null,
    );
    await waitFor('the banned peer disconnected', () => (x.getPeers().length === 0 ? true : null));
    assert.deepEqual(Object.keys(p2p.scores.view(xId).penalties).sort(), ['invalid', 'malformed']);

    // A second peer: an oversized vote, and a proposal whose block does not decode.
    const y = await attacker(victim.address);
    const yId = y.peerId.toString();
    const oversizedBefore = p2p.gossip.stats.oversized;
    await y.services.pubsub
      .publish(topic, framed(ConsensusTag.VOTE, new Uint8Array(4096).fill(0x20)))
      .catch(() => undefined);
    await waitFor('oversized vote penalized', () =>
      p2p.gossip.stats.oversized > oversizedBefore ? true : null,
    );
    const proposal = {
      type: 'proposal' as const,
      height: height(0) + 1,
      round: 0,
      polRound: -1,
      blockHash: randomHash(),
      proposer: net.nodes[2]!.key,
      signature: '00'.repeat(64),
    };
    await y.services.pubsub
      .publish(
        topic,
        framed(ConsensusTag.PROPOSAL, encodeProposalPayload(proposal, Uint8Array.of(1, 2, 3), 0)),
      )
      .catch(() => undefined);
    await waitFor('bad proposal penalized', () =>
      Math.round(p2p.scores.score(yId)) <= -30 ? true : null,
    );

    // The victim kept finalizing with everyone else, and none of it changed any state.
    await waitFor('the victim finalizes on', () => (height(0) >= start + 5 ? true : null));
    const { problems, heights } = await oneHistory(net, 1, minHeight());
    assert.deepEqual(problems, []);
    assert.ok(heights >= start + 3);
    assert.equal(net.state(0).validators.length, 4);
    t.diagnostic(`hostile messages: ${Date.now() - t0} ms, victim ${start} → ${height(0)}`);
  });

  it('a partition that splits the validators heals and the chain resumes with one history', async (t) => {
    const t0 = Date.now();
    const sides = [new Set([0, 1]), new Set([2, 3])];
    const sideOf = (i: number) => (sides[0]!.has(i) ? 0 : 1);
    const peerIndex = new Map(net.nodes.map((n) => [n.peerId, n.index]));
    const restore: Array<() => void> = [];
    // Split: each node's connection gater refuses the other side; open connections close.
    for (const n of net.nodes) {
      const p2p = net.p2p(n.index);
      const original = p2p.scores.isBanned.bind(p2p.scores);
      p2p.scores.isBanned = (peer: string) => {
        const j = peerIndex.get(peer);
        return (j !== undefined && sideOf(j) !== sideOf(n.index)) || original(peer);
      };
      restore.push(() => {
        p2p.scores.isBanned = original;
      });
    }
    for (const n of net.nodes) {
      for (const c of net.p2p(n.index).host.getConnections()) {
        const j = peerIndex.get(c.remotePeer.toString());
        if (j !== undefined && sideOf(j) !== sideOf(n.index)) await c.close();
      }
    }
    await waitFor('the sides apart', () =>
      net.nodes.every((n) =>
        net
          .p2p(n.index)
          .host.getPeers()
          .every((p) => sideOf(peerIndex.get(p.toString()) ?? n.index) === sideOf(n.index)),
      )
        ? true
        : null,
    );
    // A block whose precommits were already out may still land; then nothing for 4 s.
    await sleep(1_500);
    const split = maxHeight();
    await sleep(4_000);
    assert.equal(maxHeight(), split, 'no height finalizes while no side has 2/3');
    const rounds = net.nodes.map((n) => n.network.status().then((s) => s.round));
    t.diagnostic(
      `split at ${split}; rounds meanwhile ${JSON.stringify(await Promise.all(rounds))}`,
    );

    // Heal: the gaters let the other side in again and each node dials it.
    for (const r of restore) r();
    for (const n of net.nodes) {
      for (const o of net.nodes) {
        if (sideOf(o.index) === sideOf(n.index)) continue;
        await net
          .p2p(n.index)
          .host.dial(multiaddr(o.address))
          .catch(() => undefined);
      }
    }
    const healed = Date.now();
    await waitFor(
      'the chain resumes on every node',
      () => (minHeight() >= split + 3 ? true : null),
      30_000,
    );
    t.diagnostic(`resumed ${Date.now() - healed} ms after healing`);
    const { problems, heights } = await oneHistory(net, 1, minHeight());
    assert.deepEqual(problems, []);
    assert.equal(heights, minHeight());
    t.diagnostic(`partition: ${Date.now() - t0} ms`);
  });

  it('a validator that double-signs is caught and slashed', async (t) => {
    const t0 = Date.now();
    const offender = net.nodes[3]!;
    const hotkey = net.state(0).validators.find((v) => v.key === offender.key)!.hotkey;
    // Stake on the offender's hotkey after every block, as node 0 saw it.
    const stakeAfter = new Map<number, bigint>();
    const record = () => {
      const s = net.state(0);
      stakeAfter.set(s.height, s.hotkeys.get(hotkey)!.totalStake);
    };
    record();
    net.nodes[0]!.chain.on('committed', record);
    t.after(() => net.nodes[0]!.chain.off('committed', record));

    // The byzantine signer: two different prevotes for the height being decided, signed with
    // the offender's consensus key and published from its node (again while not yet caught).
    let n = 1_000_000;
    const equivocate = async () => {
      const h = net.state(3).height + 1;
      for (const blockHash of [randomHash(), randomHash()]) {
        const v = signVote(
          chainId,
          { type: 'prevote', height: h, round: 0, blockHash },
          offender.secret,
          offender.key,
        );
        await net
          .p2p(3)
          .publishConsensus(ConsensusTag.VOTE, encodeVotePayload(v, n++))
          .catch(() => undefined);
      }
    };
    const slashed = () => net.nodes.every((x) => net.state(x.index).slashes.length > 0);
    await waitFor(
      'the double signing punished on every node',
      async () => {
        if (slashed()) return true;
        if (!net.nodes.some((x) => net.state(x.index).slashes.length > 0)) await equivocate();
        await sleep(150);
        return null;
      },
      30_000,
    );
    const records = net.nodes.map((x) => net.state(x.index).slashes);
    for (const r of records) assert.deepEqual(r, records[0]);
    const slash = records[0]![0]!;
    assert.equal(records[0]!.length, 1, 'punished once');
    assert.equal(slash.validator, offender.key);
    assert.equal(slash.hotkey, hotkey);
    assert.equal(slash.removed, true);
    t.diagnostic(`offence at ${slash.offenceHeight}, evidence in block ${slash.height}`);

    // The evidence is in that block on every node, the same block everywhere.
    for (const x of net.nodes) {
      const block = await x.chain.queries.block(slash.height);
      assert.equal(block.evidence.length, 1, `node ${x.index}`);
      assert.equal(block.evidence[0]!.id, slash.evidence);
      assert.equal(block.evidence[0]!.slashed, slash.amount.toString());
    }
    // Exactly the slash fraction of the stake it had before that block, burned.
    const before = stakeAfter.get(slash.height - 1);
    const afterSlash = stakeAfter.get(slash.height);
    assert.ok(before !== undefined && afterSlash !== undefined, 'node 0 saw both blocks');
    assert.equal(slash.amount, (before * SLASH_BPS) / 10_000n);
    assert.ok(slash.amount > 0n);
    assert.equal(afterSlash, before - slash.amount);
    // Off the list at once, out of the set two heights later; the other three go on.
    for (const x of net.nodes) {
      assert.ok(!net.state(x.index).validators.some((v) => v.key === offender.key));
    }
    await waitFor('three finalize on', () => (minHeight() >= slash.height + 4 ? true : null));
    const setNow = net.state(0).validatorSets.next.validators.map((v) => v.key);
    assert.ok(!setNow.includes(offender.key));
    assert.equal(setNow.length, 3);
    const { problems } = await oneHistory(net, 1, minHeight());
    assert.deepEqual(problems, []);
    t.diagnostic(`double signing: ${Date.now() - t0} ms`);
  });
});
