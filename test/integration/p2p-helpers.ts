/**
 * Real P2PService nodes on 127.0.0.1 for the p2p integration tests: no mDNS, no UPnP, no relay
 * reservation (nothing leaves the loopback interface), DHT forced to server mode.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { P2PService, type P2PServiceOptions } from '../../electron/node/p2p/service.ts';
import { MemoryChain, memorySyncHooks } from '../unit/p2p/fixtures.ts';

export type TestNode = P2PService & { memory: MemoryChain };

export async function startNode(
  memory: MemoryChain,
  options: Partial<P2PServiceOptions> = {},
): Promise<P2PService> {
  const service = new P2PService({
    chainId: memory.chain.chainId,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    upnp: false,
    relayClient: false,
    autonat: false,
    dhtAllowPrivateAddresses: true,
    dhtClientMode: false,
    source: memory,
    sync: memorySyncHooks(memory),
    statusIntervalMs: 1_000,
    ...options,
  } as P2PServiceOptions);
  await service.start(new AbortController().signal);
  return service;
}

export async function until(what: string, fn: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
