/**
 * A real chain in a temp folder for the earnings tests: alice validates on subnet 1 (aliceHot,
 * owner), bob mines (bobHot, weighted by alice from block 4), carol delegates 10 TAO to aliceHot;
 * `dave` holds a hotkey that never registers. Tempo 5, 1 s blocks from 2026-01-01.
 */
import { genesisState } from '../../../electron/node/chain/genesis.ts';
import { ChainQueries } from '../../../electron/node/chain/queries.ts';
import { buildBlock } from '../../../electron/node/chain/state.ts';
import { ChainStore } from '../../../electron/node/chain/store/chain-store.ts';
import { signCommit } from '../../../electron/node/chain/block.ts';
import type { SignedTx } from '../../../electron/node/chain/tx.ts';
import {
  alice,
  aliceHot,
  bob,
  bobHot,
  carol,
  TAO,
  testGenesisDoc,
  testKey,
  tx,
  validatorKey,
} from '../chain/fixtures.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

export { alice, aliceHot, bob, bobHot, carol, TAO };
export const daveHot = testKey('dave-hot');

export async function earningsChain(blocks = 30): Promise<{ store: ChainStore; q: ChainQueries }> {
  const dir = await tempDir('noesis-earnings-');
  const store = await ChainStore.open({ dir, genesis: genesisState(testGenesisDoc()) });
  for (let i = 0; i < blocks; i++) {
    const s = store.state;
    const txs: SignedTx[] = [];
    if (s.height === 0)
      txs.push(tx(s, alice, { kind: 'transfer', to: carol.hex, amount: 20n * TAO }));
    if (s.height === 1)
      txs.push(tx(s, bob, { kind: 'register', netuid: 1, hotkey: bobHot.hex, maxBurn: 10n * TAO }));
    if (s.height === 2)
      txs.push(tx(s, carol, { kind: 'add_stake', hotkey: aliceHot.hex, amount: 10n * TAO }));
    if (s.height === 3)
      txs.push(
        tx(s, aliceHot, { kind: 'set_weights', netuid: 1, uids: [1], weights: [1] }, { fee: 0n }),
      );
    const built = buildBlock(s, {
      time: s.lastBlockTime + 1000,
      proposer: validatorKey.hex,
      lastCommit: store.tipCommit,
      txs,
    });
    if (built.rejected.length > 0) throw new Error(JSON.stringify(built.rejected));
    const commit = signCommit(
      s.chainId,
      built.block.header.height,
      built.hash,
      validatorKey.secret,
      validatorKey.hex,
    );
    await store.commitBlock(built.block, commit, built.state, built.events);
  }
  return { store, q: new ChainQueries(store) };
}
