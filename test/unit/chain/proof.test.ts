/**
 * commit_proof: a validator's interaction-log root per epoch and its secret chain. Each rule is
 * refused with its own code and leaves the state root as an empty block would; an accepted commit
 * is stored on the neuron, reset when the uid goes to a newcomer, and indexed so that anyone
 * finds it (and the secret a later commit revealed) by hotkey, subnet and epoch.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { signCommit } from '../../../electron/node/chain/block.ts';
import { hash256, toHex, ZERO_HASH, type Hex } from '../../../electron/node/chain/crypto.ts';
import { describeTx } from '../../../electron/node/chain/describe.ts';
import { ChainErrorCode } from '../../../electron/node/chain/errors.ts';
import { genesisState } from '../../../electron/node/chain/genesis.ts';
import { bodyView, ChainQueries } from '../../../electron/node/chain/queries.ts';
import { applyTx, buildBlock, supplyBreakdown } from '../../../electron/node/chain/state.ts';
import { decodeState, encodeState } from '../../../electron/node/chain/state-codec.ts';
import { stateRoot } from '../../../electron/node/chain/state-root.ts';
import { ChainStore } from '../../../electron/node/chain/store/chain-store.ts';
import { MAX_PROOF_ENTRIES, type SignedTx, type TxCall } from '../../../electron/node/chain/tx.ts';
import { netuidKey, type ChainState, type Neuron } from '../../../electron/node/chain/types.ts';
import {
  alice,
  aliceHot,
  bob,
  bobHot,
  carol,
  commitFor,
  nextBlock,
  TAO,
  testGenesisDoc,
  testKey,
  tx,
  validatorKey,
  type TestKey,
} from './fixtures.ts';

const carolHot = testKey('carol-hot');

/** Subnet 1 with two permitted validators: aliceHot (uid 0, owner) and bobHot (uid 1). */
function twoValidatorDoc(tempo = 5) {
  const doc = testGenesisDoc();
  return testGenesisDoc({
    params: { ...doc.params, subnetDefaults: { ...doc.params?.subnetDefaults, tempo } },
    validators: [
      ...doc.validators,
      {
        consensusKey: testKey('bob-consensus').hex,
        hotkey: bobHot.address,
        coldkey: bob.address,
        stake: '1',
      },
    ],
  });
}

function step(state: ChainState, txs: SignedTx[] = []): ChainState {
  const b = nextBlock(state, txs, commitFor(state));
  assert.deepEqual(
    b.rejected.map((r) => `${r.error.code} ${r.error.message}`),
    [],
  );
  const supply = supplyBreakdown(b.state);
  assert.equal(supply.total, supply.issuance, 'total supply drifted');
  return b.state;
}

function refused(state: ChainState, t: SignedTx, code: string): void {
  const before = stateRoot(state);
  const r = applyTx(state, t);
  assert.equal(r.ok ? 'ok' : `${r.error.code}`, code);
  assert.equal(stateRoot(state), before, 'applyTx changed its input');
  const offered = nextBlock(state, [t], commitFor(state));
  const empty = nextBlock(state, [], commitFor(state));
  assert.equal(offered.rejected.length, 1);
  assert.equal(offered.block.header.stateRoot, empty.block.header.stateRoot);
}

const secret = (label: string): Hex => toHex(hash256(new TextEncoder().encode(`secret:${label}`)));
const hashOf = (hex: Hex): Hex => toHex(hash256(Buffer.from(hex, 'hex')));
const ROOT = 'cd'.repeat(32);

function proof(
  epoch: number,
  extra: Partial<Extract<TxCall, { kind: 'commit_proof' }>> = {},
): TxCall {
  return {
    kind: 'commit_proof',
    netuid: 1,
    epoch,
    root: ROOT,
    entries: 40,
    secretHash: hashOf(secret(`e${epoch + 1}`)),
    reveal: null,
    ...extra,
  };
}

const byHotkey = (who: TestKey, state: ChainState, call: TxCall) =>
  tx(state, who, call, { fee: 0n });

function neuron(state: ChainState, uid: number): Neuron {
  return state.subnets.get(netuidKey(1))!.neurons[uid]!;
}

function untilEpoch(state: ChainState, epochCount: number): ChainState {
  let s = state;
  while (s.subnets.get(netuidKey(1))!.epochCount < epochCount) s = step(s);
  return s;
}

test('commit_proof: each rule refused with its own code, nothing changed', () => {
  let s = genesisState(twoValidatorDoc()).state;
  // carol-hot holds a uid without a validator permit.
  s = step(s, [tx(s, alice, { kind: 'transfer', to: carol.hex, amount: 20n * TAO })]);
  s = step(s, [
    tx(s, carol, { kind: 'register', netuid: 1, hotkey: carolHot.hex, maxBurn: 10n * TAO }),
  ]);
  const stranger = testKey('stranger-hot');
  refused(s, byHotkey(bobHot, s, proof(0, { netuid: 9 })), ChainErrorCode.UNKNOWN_SUBNET);
  refused(s, byHotkey(stranger, s, proof(0)), ChainErrorCode.NOT_REGISTERED);
  refused(s, byHotkey(carolHot, s, proof(0)), ChainErrorCode.NO_VALIDATOR_PERMIT);
  refused(s, byHotkey(bobHot, s, proof(1)), ChainErrorCode.PROOF_EPOCH_AHEAD);
  refused(
    s,
    byHotkey(bobHot, s, proof(0, { entries: MAX_PROOF_ENTRIES + 1 })),
    ChainErrorCode.PROOF_BAD_ENTRIES,
  );
  refused(s, byHotkey(bobHot, s, proof(0, { root: ZERO_HASH })), ChainErrorCode.PROOF_BAD_ROOT);
  refused(s, byHotkey(bobHot, s, proof(0, { entries: 0 })), ChainErrorCode.PROOF_BAD_ROOT);
  refused(
    s,
    byHotkey(bobHot, s, proof(0, { reveal: secret('e0') })),
    ChainErrorCode.PROOF_REVEAL_UNEXPECTED,
  );

  // The first commit: no reveal; an empty log has the all-zero root.
  const height = s.height + 1;
  s = step(s, [byHotkey(bobHot, s, proof(0, { root: ZERO_HASH, entries: 0 }))]);
  assert.deepEqual(neuron(s, 1).proof, {
    epoch: 0,
    root: ZERO_HASH,
    entries: 0,
    secretHash: hashOf(secret('e1')),
    block: height,
  });
  assert.equal(neuron(s, 0).proof, null, 'other uids untouched');
  refused(s, byHotkey(bobHot, s, proof(0)), ChainErrorCode.PROOF_EPOCH_NOT_AFTER);

  s = untilEpoch(s, 1);
  refused(s, byHotkey(bobHot, s, proof(0)), ChainErrorCode.PROOF_EPOCH_NOT_AFTER);
  refused(
    s,
    byHotkey(bobHot, s, proof(1, { reveal: secret('e2') })),
    ChainErrorCode.PROOF_REVEAL_MISMATCH,
  );
  refused(
    s,
    byHotkey(bobHot, s, proof(2, { reveal: secret('e1') })),
    ChainErrorCode.PROOF_EPOCH_AHEAD,
  );

  s = step(s, [byHotkey(bobHot, s, proof(1, { reveal: secret('e1') }))]);
  assert.equal(neuron(s, 1).proof?.epoch, 1);
  assert.equal(neuron(s, 1).proof?.root, ROOT);
  assert.equal(neuron(s, 1).proof?.secretHash, hashOf(secret('e2')));
  // Epochs may be skipped; the secret chain may not.
  s = untilEpoch(s, 3);
  s = step(s, [byHotkey(bobHot, s, proof(3, { reveal: secret('e2') }))]);
  assert.equal(neuron(s, 1).proof?.epoch, 3);
  // Epochs after the commit kept the proof (the epoch rewrites neurons).
  s = untilEpoch(s, 4);
  assert.equal(neuron(s, 1).proof?.epoch, 3);
  // A commit may leave the reveal out (a lost secrets file): accepted, the gap visible in the tx.
  s = step(s, [byHotkey(bobHot, s, proof(4))]);
  assert.equal(neuron(s, 1).proof?.epoch, 4);
  // Snapshot and root cover it.
  const again = decodeState(encodeState(s));
  assert.deepEqual(neuron(again, 1).proof, neuron(s, 1).proof);
  assert.equal(stateRoot(again), stateRoot(s));
});

test('a commit changes the state root; the uid replaced by a newcomer starts with no proof', () => {
  const doc = twoValidatorDoc(1000);
  let s = genesisState(doc).state;
  const committed = nextBlock(s, [byHotkey(bobHot, s, proof(0))], commitFor(s));
  const empty = nextBlock(s, [], commitFor(s));
  assert.notEqual(committed.block.header.stateRoot, empty.block.header.stateRoot);
  s = step(s, [byHotkey(bobHot, s, proof(0))]);
  // maxUids 4, immunity 3: two more fill the subnet; the next newcomer replaces the oldest
  // non-immune uid with the lowest emission (all 0 without epochs): bob-hot, uid 1.
  const keys = [testKey('n2'), testKey('n3'), testKey('n4')];
  for (const k of keys) {
    s = step(s, [tx(s, alice, { kind: 'register', netuid: 1, hotkey: k.hex, maxBurn: 10n * TAO })]);
  }
  const n1 = neuron(s, 1);
  assert.equal(n1.hotkey, keys[2]!.hex, 'uid 1 went to the newcomer');
  assert.equal(n1.proof, null);
  refused(s, byHotkey(bobHot, s, proof(0)), ChainErrorCode.NOT_REGISTERED);
});

test('the index finds a commit by hotkey, subnet and epoch, with the secret revealed later', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-proof-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const genesis = genesisState(twoValidatorDoc());
  const store = await ChainStore.open({ dir, genesis });
  const commit = async (txs: SignedTx[]) => {
    const s = store.state;
    const built = buildBlock(s, {
      time: s.lastBlockTime + 1000,
      proposer: validatorKey.hex,
      lastCommit: store.tipCommit,
      txs,
    });
    assert.deepEqual(built.rejected, []);
    const c = signCommit(
      s.chainId,
      built.block.header.height,
      built.hash,
      validatorKey.secret,
      validatorKey.hex,
    );
    await store.commitBlock(built.block, c, built.state, built.events);
  };
  await commit([byHotkey(bobHot, store.state, proof(0))]);
  const q = new ChainQueries(store);
  const first = q.proofCommit(bobHot.address, 1, 0);
  assert.ok(first);
  assert.equal(first.hotkey, bobHot.address);
  assert.equal(first.block, 1);
  assert.equal(first.root, ROOT);
  assert.equal(first.entries, 40);
  assert.equal(first.reveal, null);
  assert.equal(first.nextReveal, null, 'not revealed yet');
  assert.equal((await q.tx(first.txHash)).kind, 'commit_proof');
  assert.equal(q.proofCommit(bobHot.address, 1, 1), null);
  assert.equal(q.proofCommit(aliceHot.address, 1, 0), null);
  while (store.state.subnets.get(netuidKey(1))!.epochCount < 1) await commit([]);
  await commit([byHotkey(bobHot, store.state, proof(1, { reveal: secret('e1') }))]);
  const later = q.proofCommit(bobHot.address, 1, 0)!;
  assert.equal(later.nextReveal?.secret, secret('e1'));
  assert.equal(later.nextReveal?.epoch, 1);
  assert.equal(hashOf(later.nextReveal!.secret), later.secretHash);
  assert.equal(q.proofCommit(bobHot.address, 1, 1)?.reveal, secret('e1'));
  // The metagraph shows each uid's latest commit; the explorer's body keeps hashes as hex.
  assert.equal(q.metagraph(1).neurons[1]!.proof?.epoch, 1);
  const { block } = await store.blockAt(store.state.height);
  const body = bodyView(block.txs[0]!);
  assert.equal(body.root, ROOT);
  assert.equal(body.reveal, secret('e1'));
  assert.equal(body.signer, bobHot.address);
  await store.close();
  // Reopened (snapshot + log), the index still answers.
  const again = await ChainStore.open({ dir, genesis });
  assert.equal(new ChainQueries(again).proofCommit(bobHot.address, 1, 1)?.reveal, secret('e1'));
  await again.close();
});

test('the confirmation reads a commit_proof in plain words', () => {
  const s = genesisState(twoValidatorDoc()).state;
  const first = byHotkey(bobHot, s, proof(0)).body;
  const lines = Object.fromEntries(describeTx('main', first).lines.map((l) => [l.label, l.value]));
  assert.equal(lines.Subnet, '1');
  assert.equal(lines.Log, `epoch 0: 40 task(s), Merkle root ${ROOT}`);
  assert.equal(lines.Secret, 'first commit: nothing to reveal');
  assert.equal(lines['Next secret hash'], hashOf(secret('e1')));
  assert.equal(lines.Fee, '0 TAO');
  const next = { ...first, epoch: 1, reveal: secret('e1') };
  const revealed = describeTx('main', next).lines.find((l) => l.label === 'Secret');
  assert.equal(revealed?.value, `reveals ${secret('e1')} (promised by the previous commit)`);
});
