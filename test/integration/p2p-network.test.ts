import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GossipMessage } from '../../electron/node/p2p/gossip.ts';
import { ConsensusTag } from '../../electron/node/p2p/protocols.ts';
import type { P2PService } from '../../electron/node/p2p/service.ts';
import { makeChain, MemoryChain, type SyntheticChain } from '../unit/p2p/fixtures.ts';
import { startNode, until } from './p2p-helpers.ts';

describe('p2p network: three real libp2p nodes on 127.0.0.1', () => {
  let chain: SyntheticChain;
  let a: P2PService, b: P2PService, c: P2PService;
  let memA: MemoryChain, memB: MemoryChain, memC: MemoryChain;

  before(async () => {
    chain = makeChain(1000);
    memA = new MemoryChain(chain, 1000);
    memB = new MemoryChain(chain, 0);
    memC = new MemoryChain(chain, 400);
    a = await startNode(memA);
    const boot = a.addresses();
    b = await startNode(memB, { bootstrap: boot });
    c = await startNode(memC, { bootstrap: boot });
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  });

  it('connects through the bootstrap peer and exchanges status', async () => {
    await until('b and c connected to a', () => a.peers().length === 2);
    const status = await b.requestStatus(a.peerId);
    assert.deepEqual(status, memA.status());
    await until(
      'a knows c head',
      () => a.peers().find((p) => p.peerId === c.peerId)?.headHeight === 400,
    );
    const peerOfB = b.peers()[0];
    assert.equal(peerOfB?.peerId, a.peerId);
    assert.equal(peerOfB?.direction, 'outbound');
    const withAgents = await b.peersWithAgents();
    assert.match(withAgents[0]?.agent ?? '', /libp2p/);
    const reach = b.reachability();
    assert.equal(reach.status, 'unknown', '127.0.0.1 is private');
    assert.ok(reach.portToForward !== null);
  });

  it('syncs 1,000 blocks in order with verified commits', async () => {
    const started = performance.now();
    await b.syncer?.waitForHeight(1000, AbortSignal.timeout(30_000));
    await c.syncer?.waitForHeight(1000, AbortSignal.timeout(30_000));
    const ms = performance.now() - started;
    assert.deepEqual(memB.appliedHashes, chain.hashes);
    assert.deepEqual(memC.appliedHashes, chain.hashes);
    const status = b.syncStatus();
    assert.equal(status?.state, 'synced');
    assert.equal(status?.height, 1000);
    assert.equal(status?.blocksRemaining, 0);
    console.log(`  synced 1,000 blocks in ${Math.round(ms)} ms`);
  });

  it('fetches a block by hash and answers an unknown hash with nothing', async () => {
    const hash = chain.hashes[499] as string;
    const envelope = await b.blockByHash(a.peerId, hash);
    const hex = (u?: Uint8Array) => Buffer.from(u ?? []).toString('hex');
    assert.equal(hex(envelope?.block), hex(chain.envelopes[499]?.block));
    assert.equal(hex(envelope?.commit), hex(chain.envelopes[499]?.commit));
    assert.equal(await b.blockByHash(a.peerId, 'ee'.repeat(32)), null);
    const range = await c.blocksByRange(a.peerId, 995, 10);
    assert.equal(range.length, 6, 'stops at the head');
  });

  it('gossips transactions and consensus messages to every node', async () => {
    const got: Record<string, GossipMessage[]> = { a: [], b: [], c: [] };
    for (const [name, node] of [
      ['a', a],
      ['b', b],
      ['c', c],
    ] as const) {
      node.onGossip('transactions', (m) => got[name]?.push(m));
      node.onGossip('consensus', (m) => got[name]?.push(m));
    }
    await until('c sees a subscribed', () => c.gossip.subscribers('transactions').length > 0);
    await until('a sees b subscribed', () => a.gossip.subscribers('transactions').length === 2);
    const sent = await b.publish('transactions', new TextEncoder().encode('tx-1'));
    assert.ok(sent >= 1);
    await b.publishConsensus(ConsensusTag.VOTE, Uint8Array.of(9, 9, 9));
    await until('a and c got both', () => (got.a?.length ?? 0) === 2 && (got.c?.length ?? 0) === 2);
    const vote = got.c?.find((m) => m.topic === 'consensus');
    assert.equal(vote?.tag, ConsensusTag.VOTE);
    assert.deepEqual([...(vote?.payload ?? [])], [9, 9, 9]);
    assert.equal(got.b?.length, 0, 'no echo to the author');
    // Identical bytes are one message (content-addressed ids): no second delivery.
    await b.publish('transactions', new TextEncoder().encode('tx-1'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.c?.filter((m) => m.topic === 'transactions').length, 1);
  });
});
