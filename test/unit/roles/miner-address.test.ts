/** The addresses a miner publishes come most reachable first: public, relayed, LAN, loopback. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressRank } from '../../../electron/node/roles/miner.ts';

test('public before relayed before private network before this machine', () => {
  const p = '/p2p/12D3KooWRDEFdu8cx1XEhGJKqv1YWvXkYAexRWmjxLGN6RcNia8f';
  const addrs = [
    `/ip4/127.0.0.1/tcp/30333${p}`,
    `/ip4/192.168.1.20/tcp/30333${p}`,
    `/ip4/203.0.113.7/tcp/30333/p2p/12D3KooWA/p2p-circuit${p}`,
    `/ip4/172.20.0.2/tcp/30333${p}`,
    `/ip4/203.0.113.9/tcp/30333${p}`,
    `/ip6/::1/tcp/30333${p}`,
    `/ip4/10.0.0.5/tcp/30333${p}`,
  ];
  const sorted = [...addrs].sort((a, b) => addressRank(a) - addressRank(b));
  assert.deepEqual(sorted.map(addressRank), [0, 1, 2, 2, 2, 3, 3]);
  assert.equal(sorted[0], `/ip4/203.0.113.9/tcp/30333${p}`);
  assert.equal(addressRank(`/ip4/172.32.0.1/tcp/1${p}`), 0, '172.32/12 is public');
});
