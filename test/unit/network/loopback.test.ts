import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepToLoopback, loopbackOnly } from '../../../electron/node/network/service.ts';

test('the test suite runs with its nodes kept on 127.0.0.1', () => {
  assert.equal(loopbackOnly(), true, 'test/setup.ts sets NOESIS_LOOPBACK_ONLY=1');
  assert.equal(loopbackOnly({}), false, 'a desktop is not loopback-only');
});

test('loopback-only binds 127.0.0.1 and turns mDNS and UPnP off', () => {
  const kept = keepToLoopback({
    enabled: true,
    listen: ['/ip4/0.0.0.0/tcp/30333', '/ip4/127.0.0.1/tcp/0'],
    bootstrap: ['/ip4/127.0.0.1/tcp/4000/p2p/12D3KooWExample'],
    mdns: true,
    upnp: true,
  });
  assert.deepEqual(kept.listen, ['/ip4/127.0.0.1/tcp/30333', '/ip4/127.0.0.1/tcp/0']);
  assert.equal(kept.mdns, false);
  assert.equal(kept.upnp, false);
  assert.deepEqual(kept.bootstrap, ['/ip4/127.0.0.1/tcp/4000/p2p/12D3KooWExample']);
});
