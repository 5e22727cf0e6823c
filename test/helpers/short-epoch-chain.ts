/**
 * Writes a local network for a wallet into `<dataDir>/chain/` before the node starts, as the node
 * itself would (same template, same consensus-key file) but with short blocks and a short tempo,
 * so tests see epochs in seconds instead of a minute.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadOrCreateValidatorKey, localGenesis } from '../../electron/node/chain/local-network.ts';

export async function writeShortEpochChain(
  dataDir: string,
  coldkey: string,
  hotkey: string,
  options: { blockIntervalMs?: number; tempo?: number } = {},
): Promise<void> {
  const dir = path.join(dataDir, 'chain');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = await loadOrCreateValidatorKey(path.join(dir, 'validator-key.json'), true);
  const doc = await localGenesis(coldkey, hotkey, key!.publicKey, Date.now());
  const params = doc.params as Record<string, unknown>;
  params.blockIntervalMs = options.blockIntervalMs ?? 250;
  params.subnetDefaults = {
    ...(params.subnetDefaults as Record<string, unknown>),
    tempo: options.tempo ?? 4,
  };
  await writeFile(path.join(dir, 'genesis.json'), JSON.stringify(doc, null, 2) + '\n');
}
