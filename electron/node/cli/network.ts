/**
 * `noesis network status`: peers, this node's addresses (give one to another node's
 * `--bootstrap`), reachability and sync progress of a running node; and `noesis chain genesis`
 * (registered by addGenesisCommand) to export the network's genesis so another node can join.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { callApi } from '../api/http-client.ts';
import { findRunningApi } from '../api/discovery.ts';
import { defaultDataDir } from '../data-dir.ts';
import { NoesisError } from '../errors.ts';
import { exportGenesis } from '../network/join.ts';
import { print, withCommon, type Common } from './chain.ts';

export function addNetworkCommands(program: Command): void {
  const network = program.command('network').description('peers, addresses and sync of the node');
  withCommon(
    network.command('status').description("peers, this node's addresses, reachability, sync"),
  ).action(async (options: Common) => {
    const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
    const api = await findRunningApi(dataDir);
    if (api === null) {
      throw new NoesisError('NODE_NOT_RUNNING', `no node is running with data folder ${dataDir}`);
    }
    const s = await callApi(api, 'network.status', {});
    print(options, s, () =>
      [
        `network ${s.chainId ?? '-'} (${s.state})`,
        `  peer id     ${s.peerId ?? '-'}`,
        ...s.addresses.map((a, i) => `  ${i === 0 ? 'addresses ' : '          '}  ${a}`),
        `  peers       ${s.peerCount}`,
        `  height      ${s.height}${s.sync.bestPeerHeight === null ? '' : ` (best peer ${s.sync.bestPeerHeight})`}`,
        `  sync        ${s.sync.state}${s.sync.blocksRemaining > 0 ? `, ${s.sync.blocksRemaining} blocks to go` : ''}`,
        `  reachable   ${s.reachability?.status ?? '-'}`,
      ].join('\n'),
    );
  });
}

export function addGenesisCommand(chain: Command): void {
  chain
    .command('genesis')
    .description("export the network's genesis, so another node can join with --genesis")
    .option('--data-dir <dir>', 'data folder of the node (default: the per-OS data folder)')
    .option('--out <file>', 'write it to this file instead of printing it')
    .action(async (options: { dataDir?: string; out?: string }) => {
      const text = await exportGenesis(path.resolve(options.dataDir ?? defaultDataDir()));
      if (options.out === undefined) process.stdout.write(text);
      else await writeFile(options.out, text);
    });
}
