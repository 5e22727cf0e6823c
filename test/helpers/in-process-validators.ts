/**
 * Several validator nodes in this test process, on 127.0.0.1: each is the node's own chain and
 * network services (ChainService + NetworkService, as the runtime composes them) over its own data
 * folder, prepared by the devnet's preparation (electron/node/network/devnet.ts: consensus key,
 * node key, port, one genesis). Real libp2p, real gossip, real consensus; only the process is
 * shared, so a test can reach into a node (its p2p host, its chain state, its consensus key).
 */
import { readFile } from 'node:fs/promises';
import pino from 'pino';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GenesisDoc } from '../../electron/node/chain/genesis.ts';
import { loadOrCreateValidatorKey } from '../../electron/node/chain/local-network.ts';
import { ChainService } from '../../electron/node/chain/service.ts';
import type { ChainState } from '../../electron/node/chain/types.ts';
import { prepareDevnet } from '../../electron/node/network/devnet.ts';
import { NetworkService } from '../../electron/node/network/service.ts';
import type { P2PService } from '../../electron/node/p2p/service.ts';
import type { Block, Commit } from '../../electron/node/chain/block.ts';

export interface InProcessValidator {
  index: number;
  dataDir: string;
  /** Consensus key (hex) and its secret: a test may sign as this validator. */
  key: string;
  secret: Uint8Array;
  /** `/ip4/127.0.0.1/tcp/<port>/p2p/<peerId>` */
  address: string;
  peerId: string;
  chain: ChainService;
  network: NetworkService;
  /** Lines this node logged (newest last, at most 2,000). */
  logs: string[];
}

export interface InProcessNetwork {
  nodes: InProcessValidator[];
  genesis: GenesisDoc;
  state(i: number): ChainState;
  p2p(i: number): P2PService<Block, Commit>;
  stop(): Promise<void>;
}

/** A real pino logger that keeps its last 2,000 lines in `lines`. */
function recorder(lines: string[]) {
  return pino(
    { level: 'debug' },
    {
      write(line: string) {
        lines.push(line.trimEnd());
        if (lines.length > 2000) lines.splice(0, lines.length - 2000);
      },
    },
  );
}

/**
 * Starts `count` validators with equal stake and waits until every node runs its network.
 * `params` are merged into the genesis params (e.g. slashFraction).
 */
export async function startInProcessValidators(
  root: string,
  count: number,
  options: { blockIntervalMs?: number; params?: Record<string, unknown> } = {},
): Promise<InProcessNetwork> {
  const { nodes: prepared, genesisFile } = await prepareDevnet(root, {
    nodes: count,
    blockIntervalMs: options.blockIntervalMs ?? 200,
  });
  const genesis = JSON.parse(await readFile(genesisFile, 'utf8')) as GenesisDoc;
  genesis.params = { ...genesis.params, ...options.params } as GenesisDoc['params'];
  const nodes: InProcessValidator[] = [];
  const controller = new AbortController();
  for (const p of prepared) {
    const logs: string[] = [];
    const key = await loadOrCreateValidatorKey(
      path.join(p.dataDir, 'chain', 'validator-key.json'),
      false,
    );
    const chain = new ChainService({ dataDir: p.dataDir, genesis, logger: recorder(logs) });
    const others = prepared.filter((o) => o !== p).map((o) => o.address);
    const network = new NetworkService({
      dataDir: p.dataDir,
      chain,
      config: () => ({
        enabled: true,
        listen: [`/ip4/127.0.0.1/tcp/${p.port}`],
        bootstrap: others,
        mdns: false,
        upnp: false,
      }),
      logger: recorder(logs),
      chainPollMs: 50,
    });
    nodes.push({
      index: p.index,
      dataDir: p.dataDir,
      key: key!.publicKey,
      secret: key!.secret,
      address: p.address,
      peerId: p.peerId,
      chain,
      network,
      logs,
    });
  }
  await Promise.all(nodes.map((n) => n.chain.start(controller.signal)));
  await Promise.all(nodes.map((n) => n.network.start(controller.signal)));
  await Promise.all(nodes.map((n) => n.network.whenRunning(20_000)));
  const net: InProcessNetwork = {
    nodes,
    genesis,
    state: (i) => nodes[i]!.chain.openStore!.state,
    p2p: (i) => nodes[i]!.network.p2p!,
    stop: async () => {
      controller.abort();
      await Promise.all(nodes.map((n) => n.network.stop().catch(() => undefined)));
      await Promise.all(nodes.map((n) => n.chain.stop().catch(() => undefined)));
    },
  };
  return net;
}

export async function waitFor<T>(
  what: string,
  fn: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every node's block at each height in [from, to] that it has: one hash (and root) each. */
export async function oneHistory(
  net: InProcessNetwork,
  from: number,
  to: number,
): Promise<{ heights: number; problems: string[] }> {
  const problems: string[] = [];
  let heights = 0;
  for (let h = from; h <= to; h++) {
    const seen = new Map<string, number[]>();
    for (const n of net.nodes) {
      const store = n.chain.openStore!;
      const row = store.db.block(h);
      if (row === null) continue;
      const id = `${row.hash}/${row.stateRoot}`;
      seen.set(id, [...(seen.get(id) ?? []), n.index]);
    }
    if (seen.size > 1) problems.push(`height ${h}: ${JSON.stringify([...seen])}`);
    if (seen.size > 0) heights++;
  }
  return { heights, problems };
}
