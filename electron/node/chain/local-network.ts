/**
 * The embedded local network: created on a node's first start when no network is configured.
 *
 * Decision (docs/chain.md §Local network): the chain waits for the user's first wallet (the
 * earliest-created keystore in the data folder) rather than inventing one. Its coldkey gets the
 * template's starting TAO, its first hotkey (or the coldkey if it has none) is staked, owns
 * subnet 1 and is the only validator. Blocks are signed with a separate consensus key the node
 * generates (`chain/validator-key.json`, mode 0600, unencrypted), as CometBFT's
 * priv_validator_key.json: block production must not need the wallet password, and the key
 * controls no funds. Multi-node networks bring their own genesis (resources/networks/).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { fromHex, isHex, publicKeyOf, randomSecretKey, toHex } from './crypto.ts';
import type { GenesisDoc } from './genesis.ts';

const TemplateSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  startingBalance: z.string(),
  validatorStake: z.string(),
  subnet: z.object({
    netuid: z.number().int(),
    taskType: z.string(),
    // Checked by the genesis schema (genesis.ts) when the genesis is built.
    model: z.record(z.string(), z.unknown()).optional(),
  }),
  params: z.record(z.string(), z.unknown()),
});

export const LOCAL_TEMPLATE_URL = new URL(
  '../../../resources/networks/local.json',
  import.meta.url,
);

export async function loadLocalTemplate(): Promise<z.infer<typeof TemplateSchema>> {
  return TemplateSchema.parse(JSON.parse(await readFile(LOCAL_TEMPLATE_URL, 'utf8')));
}

export interface ValidatorKeyFile {
  publicKey: string;
  secretKey: string;
}

/** Reads the node's consensus key, creating it (0600) if absent. */
export async function loadOrCreateValidatorKey(
  file: string,
  create: boolean,
): Promise<{ secret: Uint8Array; publicKey: string } | null> {
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as ValidatorKeyFile;
    if (!isHex(raw.secretKey, 32)) throw new Error(`${file}: secretKey must be 32 bytes of hex`);
    const secret = fromHex(raw.secretKey);
    return { secret, publicKey: toHex(publicKeyOf(secret)) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!create) return null;
  const secret = randomSecretKey();
  const publicKey = toHex(publicKeyOf(secret));
  const body: ValidatorKeyFile = { publicKey, secretKey: toHex(secret) };
  await writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
  return { secret, publicKey };
}

export async function localGenesis(
  coldkeyAddress: string,
  hotkeyAddress: string,
  consensusKey: string,
  now: number,
): Promise<GenesisDoc> {
  const t = await loadLocalTemplate();
  return {
    chainId: `noesis-local-${randomBytes(4).toString('hex')}`,
    genesisTime: now,
    params: t.params as GenesisDoc['params'],
    accounts: [{ address: coldkeyAddress, balance: t.startingBalance }],
    validators: [
      { consensusKey, hotkey: hotkeyAddress, coldkey: coldkeyAddress, stake: t.validatorStake },
    ],
    subnets: [
      {
        netuid: t.subnet.netuid,
        owner: coldkeyAddress,
        ownerHotkey: hotkeyAddress,
        taskType: t.subnet.taskType,
        ...(t.subnet.model !== undefined
          ? { model: t.subnet.model as NonNullable<GenesisDoc['subnets']>[number]['model'] }
          : {}),
      },
    ],
  };
}
