/** Shared test fixtures: deterministic keys, a small genesis, signed-transaction builders. */
import { encodeAddress } from '../../../electron/node/wallet/address.ts';
import { hash256, publicKeyOf, toHex, type Hex } from '../../../electron/node/chain/crypto.ts';
import { genesisState, type GenesisDoc } from '../../../electron/node/chain/genesis.ts';
import {
  signTx,
  type SignedTx,
  type TxBody,
  type TxCall,
} from '../../../electron/node/chain/tx.ts';
import type { ChainState } from '../../../electron/node/chain/types.ts';
import { signCommit, type Commit } from '../../../electron/node/chain/block.ts';
import { buildBlock, type BuildResult } from '../../../electron/node/chain/state.ts';

export interface TestKey {
  secret: Uint8Array;
  hex: Hex;
  address: string;
}

export function testKey(label: string): TestKey {
  const secret = hash256(new TextEncoder().encode(`noesis-test-key:${label}`));
  const pub = publicKeyOf(secret);
  return { secret, hex: toHex(pub), address: encodeAddress(pub) };
}

export const alice = testKey('alice');
export const bob = testKey('bob');
export const carol = testKey('carol');
export const aliceHot = testKey('alice-hot');
export const bobHot = testKey('bob-hot');
export const validatorKey = testKey('validator-consensus');

export const CHAIN_ID = 'noesis-test';

export function testGenesisDoc(overrides: Partial<GenesisDoc> = {}): GenesisDoc {
  return {
    chainId: CHAIN_ID,
    genesisTime: 1_767_225_600_000,
    params: {
      blockIntervalMs: 50,
      subnetDefaults: {
        tempo: 5,
        immunityPeriod: 3,
        weightsRateLimit: 2,
        activityCutoff: 1000,
        maxUids: 4,
      },
    },
    accounts: [
      { address: alice.address, balance: '1000' },
      { address: bob.address, balance: '50' },
    ],
    validators: [
      {
        consensusKey: validatorKey.hex,
        hotkey: aliceHot.address,
        coldkey: alice.address,
        stake: '100',
      },
    ],
    subnets: [
      {
        netuid: 1,
        owner: alice.address,
        ownerHotkey: aliceHot.address,
        taskType: 'text-generation',
      },
    ],
    ...overrides,
  };
}

export function testGenesis(overrides: Partial<GenesisDoc> = {}): ChainState {
  return genesisState(testGenesisDoc(overrides)).state;
}

const nonces = new WeakMap<ChainState, Map<Hex, number>>();

export function tx(
  state: ChainState,
  who: TestKey,
  call: TxCall,
  extra: { nonce?: number; fee?: bigint; chainId?: string } = {},
): SignedTx {
  const body = {
    chainId: extra.chainId ?? state.chainId,
    signer: who.hex,
    nonce: extra.nonce ?? state.accounts.get(who.hex)?.nonce ?? 0,
    fee: extra.fee ?? 100_000n,
    ...call,
  } as TxBody;
  void nonces;
  return signTx(body, who.secret);
}

/** Builds and "commits" the next block with the single test validator. */
export function nextBlock(
  state: ChainState,
  txs: SignedTx[],
  lastCommit: Commit | null,
  time?: number,
): BuildResult & { commit: Commit } {
  const built = buildBlock(state, {
    time: time ?? state.lastBlockTime + 1000,
    proposer: validatorKey.hex,
    lastCommit,
    txs,
  });
  const commit = signCommit(
    state.chainId,
    built.block.header.height,
    built.hash,
    validatorKey.secret,
    validatorKey.hex,
  );
  return { ...built, commit };
}

export const TAO = 1_000_000_000n;

/** The test validator's commit over the state's last block (null at genesis). */
export function commitFor(state: ChainState): Commit | null {
  if (state.height === 0) return null;
  return signCommit(
    state.chainId,
    state.height,
    state.lastBlockHash,
    validatorKey.secret,
    validatorKey.hex,
  );
}
