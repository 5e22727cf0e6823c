/**
 * A hostile peer (a raw libp2p host speaking our protocols by hand) sends malformed, oversized,
 * unsigned and invalid messages and floods requests. The victim stays healthy, penalizes and
 * finally bans the sender, keeps its chain unchanged, and goes on serving honest peers.
 */
import assert from 'node:assert/strict';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { after, before, describe, it } from 'node:test';
import {
  fromHex,
  publicKeyOf,
  signMessage,
  verifySignature,
} from '../../electron/node/chain/crypto.ts';
import { isNoesisError } from '../../electron/node/errors.ts';
import { P2PErrorCode } from '../../electron/node/p2p/errors.ts';
import { createP2PHost, type P2PHost } from '../../electron/node/p2p/host.ts';
import { encodeBlocksByRange, encodeMessage } from '../../electron/node/p2p/messages.ts';
import { protocolId, ResponseCode, topicId } from '../../electron/node/p2p/protocols.ts';
import type { P2PService } from '../../electron/node/p2p/service.ts';
import { makeChain, MemoryChain, type SyntheticChain } from '../unit/p2p/fixtures.ts';
import { startNode, until } from './p2p-helpers.ts';

async function attacker(chainId: string): Promise<P2PHost> {
  return createP2PHost({
    chainId,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    upnp: false,
    relayClient: false,
    autonat: false,
    dht: false,
  });
}

/** Sends one raw frame on a protocol and returns the response codes (or 'reset'). */
async function rawRequest(host: P2PHost, target: string, protocol: string, frame: Uint8Array) {
  const stream = await host.dialProtocol(multiaddr(target), protocol);
  const lp = lpStream(stream, { maxDataLength: 8 * 1024 * 1024 });
  const codes: number[] = [];
  try {
    await lp.write(frame);
    await stream.close();
    for (;;)
      codes.push((await lp.read({ signal: AbortSignal.timeout(3000) })).subarray()[0] as number);
  } catch (error) {
    if ((error as Error).name !== 'UnexpectedEOFError') return { codes, reset: true };
  }
  return { codes, reset: false };
}

// An application-signed transaction for the test validator: [pubkey(32) | sig(64) | body].
const signer = fromHex('11'.repeat(32));
const signerKey = publicKeyOf(signer);
function signedTx(body: string): Uint8Array {
  const bytes = new TextEncoder().encode(body);
  const sig = signMessage(signer, bytes);
  const out = new Uint8Array(96 + bytes.length);
  out.set(signerKey, 0);
  out.set(sig, 32);
  out.set(bytes, 96);
  return out;
}
function txIsSigned(data: Uint8Array): boolean {
  return (
    data.length > 96 &&
    verifySignature(data.subarray(0, 32), data.subarray(96), data.subarray(32, 96))
  );
}

describe('p2p abuse: hostile peers leave the node healthy', () => {
  let chain: SyntheticChain;
  let victim: P2PService;
  let honest: P2PService;
  let memVictim: MemoryChain;
  let memHonest: MemoryChain;
  const evil: P2PHost[] = [];
  let target: string;
  const accepted: string[] = [];

  before(async () => {
    chain = makeChain(300);
    memVictim = new MemoryChain(chain, 300);
    memHonest = new MemoryChain(chain, 0);
    victim = await startNode(memVictim, {
      protocols: { blocks_by_range: { quota: { items: 600, periodMs: 60_000 } } },
    });
    victim.setGossipValidator('transactions', (m) => (txIsSigned(m.data) ? 'accept' : 'reject'));
    victim.onGossip('transactions', (m) =>
      accepted.push(new TextDecoder().decode(m.data.subarray(96))),
    );
    target = victim.addresses()[0] as string;
  });

  after(async () => {
    await Promise.all([victim?.stop(), honest?.stop(), ...evil.map((h) => h.stop())]);
  });

  it('penalizes malformed and oversized requests', async () => {
    const x = await attacker(chain.chainId);
    evil.push(x);
    const status = protocolId(chain.chainId, 'status');
    const malformed = await rawRequest(x, target, status, Uint8Array.of(0xff, 0xfe, 0x00));
    assert.deepEqual(malformed.codes, [ResponseCode.INVALID_REQUEST]);
    const xId = x.peerId.toString();
    assert.equal(Math.round(victim.scores.score(xId)), -10);
    const tooMany = await rawRequest(
      x,
      target,
      protocolId(chain.chainId, 'blocks_by_range'),
      encodeBlocksByRange({ start: 1, count: 10_000 }),
    );
    assert.deepEqual(tooMany.codes, [ResponseCode.INVALID_REQUEST]);
    assert.equal(Math.round(victim.scores.score(xId)), -30);
    const oversized = await rawRequest(x, target, status, new Uint8Array(4096));
    assert.equal(oversized.codes.length, 0, 'an oversized frame gets no answer');
    await until('oversize counted', () => victim.reqresp.stats.oversized === 1);
    assert.equal(victim.scores.view(xId).banned, true, '-50: banned');
    await until('attacker disconnected', () => x.getPeers().length === 0);
    await x.dial(multiaddr(target)).catch(() => undefined);
    await until('a banned peer cannot stay connected', () => x.getPeers().length === 0);
    assert.ok(!victim.peers().some((p) => p.peerId === xId));
    assert.equal(memVictim.height, 300);
  });

  it('rejects oversized, unknown-tag and unsigned gossip and bans the sender', async () => {
    const y = await attacker(chain.chainId);
    evil.push(y);
    await y.dial(multiaddr(target));
    const txTopic = topicId(chain.chainId, 'transactions');
    y.services.pubsub.subscribe(txTopic);
    await until(
      'y sees the victim subscribed',
      () => y.services.pubsub.getSubscribers(txTopic).length > 0,
    );
    const yId = y.peerId.toString();
    await y.services.pubsub.publish(txTopic, signedTx('good one'));
    await until('the signed tx is accepted', () => accepted.length === 1);
    await y.services.pubsub.publish(txTopic, new Uint8Array(70 * 1024)); // over 64 KiB
    await until('oversized rejected', () => Math.round(victim.scores.score(yId)) === -20);
    await y.services.pubsub.publish(topicId(chain.chainId, 'consensus'), Uint8Array.of(200, 1, 2));
    await until('unknown tag rejected', () => Math.round(victim.scores.score(yId)) === -40);
    await y.services.pubsub.publish(txTopic, new TextEncoder().encode('x'.repeat(120))); // unsigned
    await until('unsigned rejected and banned', () => victim.scores.isBanned(yId));
    await until('y disconnected', () => y.getPeers().length === 0);
    assert.deepEqual(accepted, ['good one']);
    assert.equal(victim.gossip.stats.oversized, 1);
    assert.equal(victim.gossip.stats.rejected, 3);
  });

  it('trips the rate limit on a request flood and bans the flooder', async () => {
    const z = await attacker(chain.chainId);
    evil.push(z);
    const status = protocolId(chain.chainId, 'status');
    const ok = encodeMessage([
      chain.chainId,
      fromHex(chain.genesisHash),
      0,
      fromHex(chain.genesisHash),
      0,
    ]);
    const codes: number[] = [];
    for (let i = 0; i < 30 && !victim.scores.isBanned(z.peerId.toString()); i++) {
      try {
        codes.push(...(await rawRequest(z, target, status, ok)).codes);
      } catch {
        break; // disconnected and refused
      }
    }
    assert.deepEqual(codes.slice(0, 5), [0, 0, 0, 0, 0], 'five allowed per 15 s');
    assert.ok(codes.slice(5).every((c) => c === ResponseCode.RATE_LIMITED));
    assert.ok(victim.reqresp.stats.rateLimited >= 1);
    assert.ok(victim.scores.view(z.peerId.toString()).penalties.rate_limited! >= 1);
    await until('z banned', () => victim.scores.isBanned(z.peerId.toString()));
  });

  it('still serves an honest peer, which syncs the unchanged chain; its own range quota trips', async () => {
    honest = await startNode(memHonest, { bootstrap: [target] });
    await honest.syncer?.waitForHeight(300, AbortSignal.timeout(20_000));
    assert.deepEqual(memHonest.appliedHashes, chain.hashes);
    assert.equal(memVictim.height, 300);
    assert.deepEqual(memVictim.appliedHashes, chain.hashes);
    // 300 blocks spent of 600 per minute: two more full requests of 256 cannot both pass.
    await honest.blocksByRange(victim.peerId, 1, 256);
    await assert.rejects(honest.blocksByRange(victim.peerId, 1, 256), (error) =>
      isNoesisError(error, P2PErrorCode.RATE_LIMITED),
    );
    assert.equal(victim.scores.isBanned(honest.peerId), false);
  });
});
