import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BlockEnvelope } from '../../../electron/node/p2p/messages.ts';
import type { PenaltyReason } from '../../../electron/node/p2p/score.ts';
import { Syncer } from '../../../electron/node/p2p/sync.ts';
import { makeChain, MemoryChain, memorySyncHooks, type SyntheticChain } from './fixtures.ts';

let chain: SyntheticChain;
before(() => {
  chain = makeChain(600);
});

function setup(serve: Record<string, (start: number, count: number) => BlockEnvelope[]>) {
  const local = new MemoryChain(chain);
  const penalties: Array<[string, PenaltyReason]> = [];
  const requests: Array<[string, number, number]> = [];
  const syncer = new Syncer({
    ...memorySyncHooks(local),
    fetchRange: async (peer, start, count) => {
      requests.push([peer, start, count]);
      const fn = serve[peer];
      if (fn === undefined) throw new Error('unknown peer');
      return fn(start, count);
    },
    penalize: (peer, reason) => penalties.push([peer, reason]),
    batchSize: 64,
  });
  return { local, syncer, penalties, requests };
}

const honest = (upTo: number) => (start: number, count: number) =>
  chain.envelopes.slice(start - 1, Math.min(upTo, start + count - 1));

describe('Syncer', () => {
  it('downloads from the best peers and applies every block in order', async () => {
    const { local, syncer, penalties, requests } = setup({ a: honest(600), b: honest(300) });
    assert.equal(syncer.status().state, 'no_peers');
    syncer.start();
    syncer.setPeerStatus('a', { headHeight: 600, headHash: chain.hashes[599] as string });
    syncer.setPeerStatus('b', { headHeight: 300, headHash: chain.hashes[299] as string });
    await syncer.waitForHeight(600, AbortSignal.timeout(20_000));
    await syncer.stop();
    assert.deepEqual(local.appliedHashes, chain.hashes);
    assert.deepEqual(penalties, []);
    assert.ok(
      requests.some(([p]) => p === 'b'),
      'the second peer served a share',
    );
    assert.ok(
      requests.every(([p, s, c]) => p === 'a' || s + c - 1 <= 300),
      'b only asked for what it has',
    );
    const status = syncer.status();
    assert.equal(status.state, 'synced');
    assert.equal(status.synced, true);
    assert.equal(status.blocksRemaining, 0);
    assert.equal(status.height, 600);
    assert.equal(status.bestPeerHeight, 600);
    assert.equal(status.applied, 600);
    assert.equal(status.lastBlockTime, 1_700_000_000_000 + 600 * 1000);
  });

  it('penalizes a peer that sends a forged block and fetches it elsewhere', async () => {
    const forged = (start: number, count: number) =>
      honest(600)(start, count).map((e, i) =>
        start + i === 100
          ? { block: e.block, commit: (chain.envelopes[0] as BlockEnvelope).commit }
          : e,
      );
    const { local, syncer, penalties } = setup({ liar: forged, good: honest(600) });
    syncer.start();
    syncer.setPeerStatus('liar', { headHeight: 600, headHash: 'x' });
    await new Promise((r) => setTimeout(r, 20));
    syncer.setPeerStatus('good', { headHeight: 600, headHash: chain.hashes[599] as string });
    await syncer.waitForHeight(600, AbortSignal.timeout(20_000));
    await syncer.stop();
    assert.deepEqual(local.appliedHashes, chain.hashes, 'nothing forged was applied');
    assert.deepEqual(penalties, [['liar', 'invalid_block']]);
    assert.equal(syncer.status().lastError?.peer, 'liar');
  });

  it('rejects bad signatures, wrong heights and garbage; a lone bad peer leaves the chain unchanged', async () => {
    const badSig = (start: number, count: number) =>
      honest(600)(start, count).map((e) => {
        const commit = e.commit.slice();
        commit[commit.length - 1] = (commit[commit.length - 1] as number) ^ 1;
        return { block: e.block, commit };
      });
    const skip = (start: number, count: number) => honest(600)(start + 1, count);
    const garbage = () => [{ block: Uint8Array.of(0xff, 1, 2), commit: Uint8Array.of(0) }];
    for (const [name, serve, reason] of [
      ['badSig', badSig, 'invalid_block'],
      ['skip', skip, 'invalid_block'],
      ['garbage', garbage, 'malformed'],
    ] as const) {
      const { local, syncer, penalties } = setup({ [name]: serve });
      syncer.start();
      syncer.setPeerStatus(name, { headHeight: 600, headHash: 'x' });
      for (let i = 0; i < 50 && penalties.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      await syncer.stop();
      assert.equal(local.height, 0, name);
      assert.deepEqual(penalties, [[name, reason]], name);
      assert.equal(syncer.status().state, 'no_peers', `${name}: its claimed head is forgotten`);
    }
  });

  it('derives syncing, remaining and ETA from live numbers', async () => {
    let now = 1_700_000_000_000 + 10_000;
    const local = new MemoryChain(chain, 10);
    const syncer = new Syncer({
      ...memorySyncHooks(local),
      fetchRange: async () => [],
      penalize: () => undefined,
      now: () => now,
    });
    syncer.setPeerStatus('p', { headHeight: 50, headHash: 'h' });
    let s = syncer.status();
    assert.equal(s.state, 'syncing');
    assert.equal(s.synced, false);
    assert.equal(s.blocksRemaining, 40);
    assert.equal(s.peers, 1);
    assert.equal(s.msSinceLastBlock, 0);
    assert.equal(s.etaSeconds, null);
    now += 5_000;
    s = syncer.status();
    assert.equal(s.msSinceLastBlock, 5_000);
    syncer.setPeerStatus('p', { headHeight: 11, headHash: 'h' });
    assert.equal(syncer.status().state, 'syncing', 'a lower head never lowers what we know');
    syncer.removePeer('p');
    syncer.setPeerStatus('q', { headHeight: 11, headHash: 'h' });
    assert.equal(syncer.status().state, 'synced', 'one block behind is within tolerance');
  });
});
