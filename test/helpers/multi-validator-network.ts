/**
 * A network of several validator nodes for tests, prepared before any node starts: the devnet's
 * preparation (electron/node/network/devnet.ts) with every node a validator — each node's folder
 * gets its consensus key, its p2p node key and a loopback-only config on a free port; one genesis
 * lists every node's consensus key as a validator with equal stake, with short blocks.
 */
import { prepareDevnet, type PreparedNode } from '../../electron/node/network/devnet.ts';

export type { PreparedNode };

export function prepareValidatorNetwork(
  root: string,
  count: number,
  options: { blockIntervalMs?: number; stake?: string } = {},
): Promise<{ nodes: PreparedNode[]; genesisFile: string }> {
  return prepareDevnet(root, { nodes: count, ...options });
}
