/**
 * Network benchmark: blocks per second a fresh node syncs from a peer in another process on
 * 127.0.0.1. The server process holds a synthetic chain in the real block format (one validator,
 * real ed25519 commits); the syncing process downloads it with blocks_by_range, decodes each
 * block with the chain codec, verifies its commit signature and applies it in memory (no disk:
 * this measures the network and verification path, not the block log's fsync). Prints one table.
 *
 *   node bench/p2p-sync.ts [--blocks 5000] [--batch 128] [--inflight 4]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { P2PService, type P2PServiceOptions } from '../electron/node/p2p/service.ts';
import { makeChain, MemoryChain, memorySyncHooks } from '../test/unit/p2p/fixtures.ts';

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '5000' },
    batch: { type: 'string', default: '128' },
    inflight: { type: 'string', default: '4' },
    serve: { type: 'boolean', default: false },
  },
});
const BLOCKS = Number(values.blocks);

function options(memory: MemoryChain, extra: Partial<P2PServiceOptions>): P2PServiceOptions {
  return {
    chainId: memory.chain.chainId,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    upnp: false,
    relayClient: false,
    autonat: false,
    dht: false,
    source: memory,
    sync: memorySyncHooks(memory),
    // One peer downloading everything: lift its quota so the bench measures throughput.
    protocols: { blocks_by_range: { quota: { items: 1_000_000, periodMs: 1_000 } } },
    ...extra,
  } as P2PServiceOptions;
}

if (values.serve) {
  const memory = new MemoryChain(makeChain(BLOCKS), BLOCKS);
  const server = new P2PService(options(memory, {}));
  await server.start(new AbortController().signal);
  process.send?.({ address: server.addresses()[0] });
  process.on('disconnect', () => void server.stop().then(() => process.exit(0)));
} else {
  const t0 = performance.now();
  const child = fork(fileURLToPath(import.meta.url), ['--serve', '--blocks', String(BLOCKS)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const chain = makeChain(BLOCKS); // the same deterministic chain, for the genesis hash
  const [message] = (await once(child, 'message')) as [{ address: string }];
  const setupMs = performance.now() - t0;
  const memory = new MemoryChain(chain, 0);
  const client = new P2PService(
    options(memory, {
      bootstrap: [message.address],
      syncBatchSize: Number(values.batch),
      syncMaxInFlight: Number(values.inflight),
    }),
  );
  await client.start(new AbortController().signal);
  const start = performance.now();
  await client.syncer?.waitForHeight(BLOCKS, AbortSignal.timeout(600_000));
  const secs = (performance.now() - start) / 1000;
  const ok = memory.appliedHashes.every((h, i) => h === chain.hashes[i]);
  const bytes = memory.blocks.reduce((n, e) => n + e.block.length + e.commit.length, 0);
  await client.stop();
  child.disconnect();
  await once(child, 'exit');
  console.log(
    `p2p sync, 2 processes on 127.0.0.1, ${BLOCKS} blocks (${Math.round(bytes / BLOCKS)} B each with commit), batch ${values.batch}, ${values.inflight} in flight; setup ${Math.round(setupMs)} ms`,
  );
  console.log('| blocks | time | blocks/s | MB/s | hashes match |');
  console.log('|---:|---:|---:|---:|---|');
  console.log(
    `| ${BLOCKS} | ${secs.toFixed(2)} s | ${Math.round(BLOCKS / secs)} | ${(bytes / secs / 1e6).toFixed(2)} | ${ok} |`,
  );
  if (!ok) process.exitCode = 1;
}
