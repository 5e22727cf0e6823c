/**
 * The networks a node can be on, from the files in `resources/networks/` (network.available), and
 * choosing one for a data folder that has none yet (network.join, the Settings' equivalent of
 * `noesis start --genesis FILE`).
 *
 * Two kinds of file live there:
 *   - `local.json`, the template of the embedded local network: each node makes its own chain
 *     from it with the user's first wallet (chain/local-network.ts), so it has no chain id of
 *     its own;
 *   - `<name>.json`, a full genesis (the format of chain/genesis.ts, as `noesis chain genesis`
 *     exports it): a shared network with its chain id and validators, listed as soon as the file
 *     is there.
 * A file that is neither is listed with its problem, so whoever dropped it there sees why it
 * cannot be chosen.
 *
 * "Current" is read from the data folder's own `chain/genesis.json`, so it is right whether the
 * node runs or not. Joining never touches a folder that already belongs to a network: a chain
 * cannot be swapped in place (its blocks, stakes and keys belong to it), so another network
 * needs another data folder, and prepareJoin refuses with NETWORK_OTHER_NETWORK.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoesisError } from '../errors.ts';
import { genesisState, type Genesis } from '../chain/genesis.ts';
import { ChainStore } from '../chain/store/chain-store.ts';
import { JoinErrorCode, prepareJoin } from './join.ts';

/** The folder of network files shipped with the app. */
export const NETWORKS_DIR = fileURLToPath(new URL('../../../resources/networks/', import.meta.url));

/** The id of the embedded local network's template (`local.json`). */
export const LOCAL_NETWORK_ID = 'local';

/** File names that are network ids: what a person would name a network, nothing that escapes. */
const NETWORK_ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Chain ids the local template produces (chain/local-network.ts). */
const LOCAL_CHAIN_PREFIX = 'noesis-local-';

export interface AvailableNetwork {
  /** The file's name without `.json`; what network.join takes. */
  id: string;
  /** 'local': the template every node makes its own chain from; 'genesis': a shared network. */
  kind: 'local' | 'genesis';
  /** The template's own name, or the file's id for a genesis (which has no name field). */
  name: string;
  /** The template's description; empty for a genesis. */
  description: string;
  /**
   * A genesis's chain id; for the local template, this node's own local chain id when it is on
   * one, else null (each node's local chain has its own).
   */
  chainId: string | null;
  /** The genesis hash (hex), or this node's local genesis hash; null as chainId. */
  genesisHash: string | null;
  /** Validators in the genesis (null for the template). */
  validators: number | null;
  /** Subnets in the genesis (null for the template). */
  subnets: number | null;
  /** Where the file is, for `noesis start --data-dir NEW --genesis FILE`. */
  file: string;
  /** This data folder's chain is this network. */
  current: boolean;
  /** Why the file cannot be used (not JSON, not a valid genesis); null when it can. */
  problem: string | null;
}

export interface NetworkFilesOptions {
  dataDir: string;
  /** Default NETWORKS_DIR; tests point it at a temporary folder. */
  networksDir?: string;
}

/** The genesis this data folder belongs to, or null when it has none yet. */
export async function dataDirGenesis(dataDir: string): Promise<Genesis | null> {
  const file = ChainStore.files(path.join(dataDir, 'chain')).genesis;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return genesisState(JSON.parse(text));
}

async function readNetworkFile(
  id: string,
  file: string,
  current: Genesis | null,
): Promise<AvailableNetwork> {
  const isLocalTemplate = id === LOCAL_NETWORK_ID;
  const base = {
    id,
    kind: isLocalTemplate ? ('local' as const) : ('genesis' as const),
    name: id,
    description: '',
    chainId: null,
    genesisHash: null,
    validators: null,
    subnets: null,
    file,
    current: false,
  };
  if (isLocalTemplate) {
    try {
      // Only the words are read here; chain/local-network.ts checks the rest when it uses it.
      const template = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const onLocal = current?.doc.chainId.startsWith(LOCAL_CHAIN_PREFIX) === true;
      return {
        ...base,
        name: typeof template['name'] === 'string' ? template['name'] : id,
        description: typeof template['description'] === 'string' ? template['description'] : '',
        chainId: onLocal ? current!.doc.chainId : null,
        genesisHash: onLocal ? current!.hash : null,
        current: onLocal,
        problem: null,
      };
    } catch (error) {
      return { ...base, problem: `not a valid network template: ${(error as Error).message}` };
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { ...base, problem: `cannot read it as JSON: ${(error as Error).message}` };
  }
  try {
    const genesis = genesisState(raw);
    return {
      ...base,
      chainId: genesis.doc.chainId,
      genesisHash: genesis.hash,
      validators: genesis.doc.validators.length,
      subnets: genesis.doc.subnets?.length ?? 0,
      current: current !== null && current.hash === genesis.hash,
      problem: null,
    };
  } catch (error) {
    return { ...base, problem: `not a valid genesis: ${(error as Error).message}` };
  }
}

/** Every network file, the local template first, then by id. */
export async function availableNetworks(options: NetworkFilesOptions): Promise<AvailableNetwork[]> {
  const dir = options.networksDir ?? NETWORKS_DIR;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const ids = names
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter((id) => NETWORK_ID_RE.test(id))
    .sort((a, b) =>
      a === LOCAL_NETWORK_ID ? -1 : b === LOCAL_NETWORK_ID ? 1 : a < b ? -1 : a > b ? 1 : 0,
    );
  let current: Genesis | null;
  try {
    current = await dataDirGenesis(options.dataDir);
  } catch {
    // A damaged chain/genesis.json is the chain's to report (it refuses to open); here it only
    // means no file can be called current.
    current = null;
  }
  return Promise.all(ids.map((id) => readNetworkFile(id, path.join(dir, `${id}.json`), current)));
}

export interface JoinResult {
  network: AvailableNetwork;
  /** False when this data folder was already on that network (nothing was written). */
  written: boolean;
}

/**
 * Writes the network's genesis into a data folder that has no network yet. A folder already on
 * this network is left as it is; one on another network is refused and left as it is.
 */
export async function joinNetwork(
  options: NetworkFilesOptions & { id: string },
): Promise<JoinResult> {
  const networks = await availableNetworks(options);
  const network = networks.find((n) => n.id === options.id);
  if (network === undefined) {
    throw new NoesisError(
      JoinErrorCode.UNKNOWN_NETWORK,
      `no network "${options.id}" (known: ${networks.map((n) => n.id).join(', ') || 'none'})`,
      { id: options.id },
    );
  }
  if (network.kind === 'local' || network.problem !== null) {
    throw new NoesisError(
      JoinErrorCode.NOT_JOINABLE,
      network.kind === 'local'
        ? 'the local network is not joined: a node creates its own when it has a wallet and no other network was chosen'
        : `${network.file} cannot be joined: ${network.problem}`,
      { id: options.id },
    );
  }
  if (network.current) return { network, written: false };
  await prepareJoin({ dataDir: options.dataDir, genesisFile: network.file });
  return { network: { ...network, current: true }, written: true };
}
