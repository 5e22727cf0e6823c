/**
 * A network of several validator nodes for tests, prepared before any node starts: each node's
 * folder gets its consensus key (`chain/validator-key.json`, as the node itself creates it), its
 * p2p node key (so its peer id is known) and a loopback-only config on a fixed free port; one
 * genesis lists every node's consensus key as a validator with equal stake (each with its own
 * random hotkey and coldkey), with short blocks.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { loadOrCreateValidatorKey, localGenesis } from '../../electron/node/chain/local-network.ts';
import { publicKeyOf, randomSecretKey, toHex } from '../../electron/node/chain/crypto.ts';
import { addressOf } from '../../electron/node/chain/queries.ts';
import { loadOrCreateNodeKey } from '../../electron/node/network/node-key.ts';

export interface PreparedNode {
  dataDir: string;
  consensusKey: string;
  peerId: string;
  port: number;
  /** `/ip4/127.0.0.1/tcp/<port>/p2p/<peerId>` */
  address: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const randomAddress = () => addressOf(toHex(publicKeyOf(randomSecretKey())));

export async function prepareValidatorNetwork(
  root: string,
  count: number,
  options: { blockIntervalMs?: number; stake?: string } = {},
): Promise<{ nodes: PreparedNode[]; genesisFile: string }> {
  const nodes: PreparedNode[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = path.join(root, `node${i}`);
    await mkdir(path.join(dataDir, 'chain'), { recursive: true, mode: 0o700 });
    const key = await loadOrCreateValidatorKey(
      path.join(dataDir, 'chain', 'validator-key.json'),
      true,
    );
    const nodeKey = await loadOrCreateNodeKey(dataDir);
    const port = await freePort();
    const config = { p2p: { listen: [`/ip4/127.0.0.1/tcp/${port}`], mdns: false, upnp: false } };
    await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(config) + '\n');
    nodes.push({
      dataDir,
      consensusKey: key!.publicKey,
      peerId: nodeKey.peerId,
      port,
      address: `/ip4/127.0.0.1/tcp/${port}/p2p/${nodeKey.peerId}`,
    });
  }
  const owner = { coldkey: randomAddress(), hotkey: randomAddress() };
  const doc = await localGenesis(owner.coldkey, owner.hotkey, nodes[0]!.consensusKey, Date.now());
  const stake = options.stake ?? doc.validators[0]!.stake;
  doc.validators = nodes.map((n, i) =>
    i === 0
      ? { ...doc.validators[0]!, stake }
      : { consensusKey: n.consensusKey, hotkey: randomAddress(), coldkey: randomAddress(), stake },
  );
  (doc.params as Record<string, unknown>).blockIntervalMs = options.blockIntervalMs ?? 250;
  const genesisFile = path.join(root, 'genesis.json');
  await writeFile(genesisFile, JSON.stringify(doc, null, 2) + '\n');
  return { nodes, genesisFile };
}
