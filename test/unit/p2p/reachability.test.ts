import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deriveReachability,
  ReachabilityTracker,
  type AddressFacts,
} from '../../../electron/node/p2p/reachability.ts';

const addr = (a: string, type: string, verified: boolean): AddressFacts => ({
  multiaddr: { toString: () => a },
  type,
  verified,
  expires: 0,
});

const listen = [
  addr('/ip4/127.0.0.1/tcp/30333', 'transport', true),
  addr('/ip4/192.168.1.20/tcp/30333', 'transport', true),
];

describe('reachability', () => {
  it('says unknown with only private addresses (127.0.0.1, LAN)', () => {
    const facts = deriveReachability({ addresses: listen, multiaddrs: [] });
    assert.equal(facts.status, 'unknown');
    assert.equal(facts.reason, 'no_public_address');
    assert.equal(facts.publicAddress, null);
    assert.equal(facts.portToForward, 30333);
    assert.equal(facts.relayInUse, false);
  });

  it('says reachable once AutoNAT verified a public address', () => {
    const facts = deriveReachability({
      addresses: [...listen, addr('/ip4/81.2.69.160/tcp/30333', 'observed', true)],
      multiaddrs: [],
    });
    assert.equal(facts.status, 'reachable');
    assert.equal(facts.publicAddress, '81.2.69.160:30333');
  });

  it('says checking while a public address is unverified, then unreachable when AutoNAT drops it', () => {
    const tracker = new ReachabilityTracker();
    const relay = '/ip4/81.2.69.1/tcp/4001/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWMe';
    let facts = tracker.update({
      addresses: [...listen, addr('/ip4/81.2.69.160/tcp/41000', 'observed', false)],
      multiaddrs: [],
    });
    assert.equal(facts.status, 'unknown');
    assert.equal(facts.reason, 'checking');
    facts = tracker.update({ addresses: listen, multiaddrs: [relay] });
    assert.equal(facts.status, 'unreachable');
    assert.equal(facts.reason, 'public_address_not_dialable');
    assert.equal(facts.publicAddress, '81.2.69.160:41000');
    assert.equal(facts.portToForward, 30333);
    assert.equal(facts.relayInUse, true);
    assert.deepEqual(facts.relayAddresses, [relay]);
    // A port forward later gets verified: reachable again.
    facts = tracker.update({
      addresses: [...listen, addr('/ip4/81.2.69.160/tcp/30333', 'ip-mapping', true)],
      multiaddrs: [],
    });
    assert.equal(facts.status, 'reachable');
  });
});
