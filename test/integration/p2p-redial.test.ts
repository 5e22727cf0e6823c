import assert from 'node:assert/strict';
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { after, describe, it } from 'node:test';
import type { P2PService } from '../../electron/node/p2p/service.ts';
import { makeChain, MemoryChain } from '../unit/p2p/fixtures.ts';
import { startNode, until } from './p2p-helpers.ts';

describe('p2p re-dial', () => {
  const nodes: P2PService[] = [];
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('re-dials the bootstrap peer with backoff after every peer dropped', async () => {
    const chain = makeChain(5);
    const key = privateKeyToProtobuf(await generateKeyPair('Ed25519'));
    let boot = await startNode(new MemoryChain(chain, 5), { privateKeyProtobuf: key });
    nodes.push(boot);
    const address = boot.addresses()[0] as string;
    const port = /\/tcp\/(\d+)/.exec(address)?.[1];
    const joiner = await startNode(new MemoryChain(chain, 0), {
      bootstrap: [address],
      redialBaseMs: 100,
      redialMaxMs: 400,
    });
    nodes.push(joiner);
    await until('connected', () => joiner.peers().length === 1);
    await joiner.syncer?.waitForHeight(5, AbortSignal.timeout(10_000));

    await boot.stop();
    await until('no peers left', () => joiner.peers().length === 0);
    assert.equal(joiner.syncStatus()?.state, 'no_peers');
    await new Promise((r) => setTimeout(r, 700)); // a few fruitless rounds
    boot = await startNode(new MemoryChain(chain, 5), {
      privateKeyProtobuf: key,
      listen: [`/ip4/127.0.0.1/tcp/${port}`],
    });
    nodes.push(boot);
    await until('re-dialed', () => joiner.peers().length === 1, 5_000);
    assert.equal(joiner.peers()[0]?.peerId, boot.peerId);
    assert.equal(joiner.peers()[0]?.direction, 'outbound');
  });
});
