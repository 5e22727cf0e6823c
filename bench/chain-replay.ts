/**
 * Chain benchmark: replay speed from the block log. Produces a chain of blocks (each with a few
 * transfers) into a ChainStore in a temporary folder, deletes the snapshot, and reopens it: the
 * store replays every block through applyBlock (state roots checked) and re-indexes it in sql.js.
 * Also times the pure state machine alone (no storage). Prints one table.
 *
 *   node bench/chain-replay.ts [--blocks 2000] [--txs 10]
 */
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { signCommit } from '../electron/node/chain/block.ts';
import { decodeBlock, txSignBytes } from '../electron/node/chain/codec.ts';
import { genesisState } from '../electron/node/chain/genesis.ts';
import { applyBlock, buildBlock } from '../electron/node/chain/state.ts';
import { stateRoot } from '../electron/node/chain/state-root.ts';
import { ChainStore } from '../electron/node/chain/store/chain-store.ts';
import type { SignedTx, TxBody } from '../electron/node/chain/tx.ts';
import { alice, carol, testGenesisDoc, validatorKey } from '../test/unit/chain/fixtures.ts';

const { values } = parseArgs({
  options: { blocks: { type: 'string', default: '2000' }, txs: { type: 'string', default: '10' } },
});
const BLOCKS = Number(values.blocks);
const TXS = Number(values.txs);
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const aliceKey = createPrivateKey({
  key: Buffer.concat([PKCS8, alice.secret]),
  format: 'der',
  type: 'pkcs8',
});

const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-replay-bench-'));
try {
  const genesis = genesisState(testGenesisDoc());
  const store = await ChainStore.open({ dir, genesis, snapshotEvery: 1_000_000 });
  const p0 = performance.now();
  for (let h = 0; h < BLOCKS; h++) {
    const s = store.state;
    const nonce = s.accounts.get(alice.hex)?.nonce ?? 0;
    const txs: SignedTx[] = [];
    for (let i = 0; i < TXS; i++) {
      const body = {
        chainId: s.chainId,
        signer: alice.hex,
        nonce: nonce + i,
        fee: 100_000n,
        kind: 'transfer',
        to: carol.hex,
        amount: 1_000_000n,
      } as TxBody;
      txs.push({ body, signature: nodeSign(null, txSignBytes(body), aliceKey).toString('hex') });
    }
    const built = buildBlock(s, {
      time: s.lastBlockTime + 1000,
      proposer: validatorKey.hex,
      lastCommit: store.tipCommit,
      txs,
    });
    const commit = signCommit(
      s.chainId,
      built.block.header.height,
      built.hash,
      validatorKey.secret,
      validatorKey.hex,
    );
    await store.commitBlock(built.block, commit, built.state, built.events);
  }
  const produceMs = performance.now() - p0;
  const root = stateRoot(store.state);
  await store.log.close(); // as if killed: no snapshot at the tip
  const files = ChainStore.files(dir);
  await rm(files.snapshot, { force: true });
  const logBytes = (await stat(files.log)).size;

  const r0 = performance.now();
  const replayed = await ChainStore.open({ dir, genesis, readOnly: true });
  const replayMs = performance.now() - r0;
  if (stateRoot(replayed.state) !== root) throw new Error('replay gave another root');

  // The state machine alone, blocks already decoded, signatures checked.
  const blocks = [];
  for (let h = 1; h <= BLOCKS; h++) blocks.push(decodeBlock((await replayed.log.read(h)).block));
  await replayed.close();
  let state = genesis.state;
  const a0 = performance.now();
  for (const b of blocks) {
    const r = applyBlock(state, b);
    if (!r.ok) throw new Error(r.error.message);
    state = r.state;
  }
  const pureMs = performance.now() - a0;

  const bps = (ms: number) => Math.round((BLOCKS / ms) * 1000).toLocaleString('en-US');
  console.log(
    `chain replay: ${BLOCKS} blocks × ${TXS} transfers (+ emission, epochs every 5 blocks), log ${(logBytes / 1e6).toFixed(1)} MB, node ${process.version}`,
  );
  console.log('| step | time | blocks/s |');
  console.log('|---|---:|---:|');
  console.log(
    `| produce (build, sign, log append + fsync, index) | ${produceMs.toFixed(0)} ms | ${bps(produceMs)} |`,
  );
  console.log(
    `| replay from the log on open (decode, applyBlock, index) | ${replayMs.toFixed(0)} ms | ${bps(replayMs)} |`,
  );
  console.log(
    `| applyBlock alone, with signature and commit checks | ${pureMs.toFixed(0)} ms | ${bps(pureMs)} |`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
