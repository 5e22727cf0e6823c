import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { genesisState } from '../../../electron/node/chain/genesis.ts';
import { ChainQueries } from '../../../electron/node/chain/queries.ts';
import { buildBlock } from '../../../electron/node/chain/state.ts';
import { stateRoot } from '../../../electron/node/chain/state-root.ts';
import { ChainStore } from '../../../electron/node/chain/store/chain-store.ts';
import { signCommit } from '../../../electron/node/chain/block.ts';
import {
  alice,
  aliceHot,
  bob,
  bobHot,
  carol,
  TAO,
  testGenesisDoc,
  tx,
  validatorKey,
} from './fixtures.ts';

async function produce(store: ChainStore, n: number, withTx = true): Promise<void> {
  for (let i = 0; i < n; i++) {
    const s = store.state;
    const txs = withTx ? [tx(s, alice, { kind: 'transfer', to: carol.hex, amount: TAO })] : [];
    if (s.height === 1)
      txs.push(tx(s, bob, { kind: 'register', netuid: 1, hotkey: bobHot.hex, maxBurn: 10n * TAO }));
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
    assert.equal(built.rejected.length, 0);
    const commit = signCommit(
      s.chainId,
      built.block.header.height,
      built.hash,
      validatorKey.secret,
      validatorKey.hex,
    );
    await store.commitBlock(built.block, commit, built.state, built.events);
  }
}

test('blocks survive reopen through snapshot + log replay, and queries answer', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const genesis = genesisState(testGenesisDoc());
  const store = await ChainStore.open({ dir, genesis, snapshotEvery: 7 });
  await produce(store, 20);
  const root = stateRoot(store.state);
  const q = new ChainQueries(store);
  assert.equal(q.balance(carol.address).free, (20n * TAO).toString());
  assert.equal(q.history(carol.address, 100).length, 20);
  const block = await q.block(5);
  assert.equal(block.txCount, 1);
  assert.equal((await q.tx(block.txs[0]!.hash)).height, 5);
  assert.ok(q.earnings(alice.address, 'coldkey', 0, 100).payouts.length > 0);
  assert.ok(q.earnings(bobHot.address, 'hotkey', 0, 100).epochs.length > 0);
  assert.equal(q.metagraph(1).n, 2);
  // Killed without close(): the snapshot is at 14, the log at 20.
  await store.log.close();
  const again = await ChainStore.open({ dir, genesis, snapshotEvery: 7 });
  assert.equal(again.recovery.snapshotHeight, 14);
  assert.equal(again.recovery.replayed, 6);
  assert.equal(again.state.height, 20);
  assert.equal(stateRoot(again.state), root);
  assert.equal(new ChainQueries(again).history(carol.address, 100).length, 20);
  assert.equal(again.tipCommit?.height, 20);
  await produce(again, 2);
  await again.close();
  // Clean close snapshots at the tip.
  const third = await ChainStore.open({ dir, genesis });
  assert.equal(third.recovery.replayed, 0);
  assert.equal(third.state.height, 22);
  await third.close();
});

test('a torn last record loses only that block; a snapshot ahead of the log is ignored', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const genesis = genesisState(testGenesisDoc());
  const store = await ChainStore.open({ dir, genesis, snapshotEvery: 1000 });
  await produce(store, 6);
  await store.close(); // snapshot at 6
  const files = ChainStore.files(dir);
  await truncate(files.log, (await stat(files.log)).size - 10);
  const reopened = await ChainStore.open({ dir, genesis });
  assert.equal(reopened.recovery.truncatedBytes > 0, true);
  assert.equal(
    reopened.state.height,
    5,
    'snapshot at 6 is ahead of the log: replayed from genesis',
  );
  // Same state as a fresh replay of the surviving log.
  const fresh = await ChainStore.open({
    dir: await mkdtemp(path.join(os.tmpdir(), 'noesis-fresh-')),
    genesis,
  });
  await fresh.close();
  await produce(reopened, 1);
  assert.equal(reopened.state.height, 6);
  await reopened.close();
});

test('another genesis in the same folder is refused', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await ChainStore.open({ dir, genesis: genesisState(testGenesisDoc()) });
  await produce(store, 1, false);
  await store.close();
  const other = genesisState(testGenesisDoc({ chainId: 'noesis-other' }));
  await assert.rejects(ChainStore.open({ dir, genesis: other }), {
    code: 'CHAIN_GENESIS_MISMATCH',
  });
});
