/**
 * Joining an existing network (`noesis start --genesis FILE --bootstrap MULTIADDR`): the genesis
 * file defines the network and is written into the data folder's chain folder, which from then
 * on records which network the folder belongs to; a different genesis is refused with one line.
 * Bootstrap addresses are added to the `p2p.bootstrap` setting, so a restart without the flags
 * finds the same peers. The chain then starts empty and the network service syncs it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { NoesisError } from '../errors.ts';
import { loadConfig, saveConfig } from '../config.ts';
import { genesisState, type Genesis } from '../chain/genesis.ts';
import { ChainStore } from '../chain/store/chain-store.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { ensureWritableDataDir } from '../data-dir.ts';

export const JoinErrorCode = {
  /** The genesis file cannot be read or is not a valid genesis. */
  BAD_GENESIS: 'NETWORK_BAD_GENESIS',
  /** The data folder already belongs to another network. */
  OTHER_NETWORK: 'NETWORK_OTHER_NETWORK',
  /** A bootstrap address is not a multiaddr ending in /p2p/<peer id>. */
  BAD_BOOTSTRAP: 'NETWORK_BAD_BOOTSTRAP',
  /** No file resources/networks/<id>.json (network.join). */
  UNKNOWN_NETWORK: 'NETWORK_UNKNOWN',
  /** The network file cannot be joined: the local template (the node creates it by itself) or a broken file. */
  NOT_JOINABLE: 'NETWORK_NOT_JOINABLE',
} as const;

async function readGenesis(file: string): Promise<{ raw: unknown; genesis: Genesis }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new NoesisError(
      JoinErrorCode.BAD_GENESIS,
      `cannot read the genesis file ${file}: ${(error as Error).message}`,
      { file },
    );
  }
  try {
    return { raw, genesis: genesisState(raw) };
  } catch (error) {
    throw new NoesisError(
      JoinErrorCode.BAD_GENESIS,
      `${file} is not a valid genesis: ${(error as Error).message}`,
      { file },
    );
  }
}

/**
 * A bootstrap address must say where to dial and whom: a transport address followed by the
 * peer's id (libp2p's bootstrap dialler needs both, and a bad peer id would only fail later,
 * at start, far from where it was typed). The settings (config.update) and the CLI share it.
 */
export function checkBootstrap(address: string): void {
  let ok: boolean;
  try {
    const components = multiaddr(address).getComponents();
    const last = components.at(-1);
    ok = components.length >= 2 && last?.name === 'p2p' && last.value !== undefined;
    if (ok) peerIdFromString(last!.value!);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new NoesisError(
      JoinErrorCode.BAD_BOOTSTRAP,
      `bootstrap address "${address}" must be a multiaddr ending in /p2p/<peer id>, e.g. /ip4/192.0.2.1/tcp/30333/p2p/12D3Koo…`,
      { address },
    );
  }
}

export interface JoinOptions {
  dataDir: string;
  genesisFile?: string | undefined;
  bootstrap?: readonly string[] | undefined;
}

/** Prepares the data folder to join; returns the network's chain id when a genesis was given. */
export async function prepareJoin(options: JoinOptions): Promise<string | null> {
  const bootstrap = options.bootstrap ?? [];
  for (const address of bootstrap) checkBootstrap(address);
  if (options.genesisFile === undefined && bootstrap.length === 0) return null;
  const dataDir = await ensureWritableDataDir(options.dataDir);
  let chainId: string | null = null;
  if (options.genesisFile !== undefined) {
    const wanted = await readGenesis(options.genesisFile);
    chainId = wanted.genesis.doc.chainId;
    const dir = path.join(dataDir, 'chain');
    const target = ChainStore.files(dir).genesis;
    let existing: Genesis | null = null;
    try {
      existing = genesisState(JSON.parse(await readFile(target, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (existing !== null && existing.hash !== wanted.genesis.hash) {
      throw new NoesisError(
        JoinErrorCode.OTHER_NETWORK,
        `${options.dataDir} belongs to network ${existing.doc.chainId} (genesis ${existing.hash.slice(0, 12)}), not to ${chainId} (genesis ${wanted.genesis.hash.slice(0, 12)}) from ${options.genesisFile}: use another --data-dir`,
        { existing: existing.hash, wanted: wanted.genesis.hash },
      );
    }
    if (existing === null) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(target, JSON.stringify(wanted.raw, null, 2) + '\n');
    }
  }
  if (bootstrap.length > 0) {
    const config = await loadConfig(dataDir);
    const merged = [...new Set([...config.p2p.bootstrap, ...bootstrap])];
    if (merged.length !== config.p2p.bootstrap.length) {
      await saveConfig(dataDir, { ...config, p2p: { ...config.p2p, bootstrap: merged } });
    }
  }
  return chainId;
}

/** The genesis of the network a data folder belongs to, as written (for `noesis chain genesis`). */
export async function exportGenesis(dataDir: string): Promise<string> {
  const file = ChainStore.files(path.join(dataDir, 'chain')).genesis;
  try {
    const text = await readFile(file, 'utf8');
    genesisState(JSON.parse(text));
    return text.endsWith('\n') ? text : text + '\n';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NoesisError(
        JoinErrorCode.BAD_GENESIS,
        `${dataDir} has no network yet (start the node once, with a wallet, to create one)`,
        { dataDir },
      );
    }
    throw error;
  }
}
