/**
 * The state machine refuses bad input with a precise code and leaves the state root unchanged,
 * both for a lone transaction (applyTx) and inside a block (applyBlock).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { txRootOf, type Block } from '../../../electron/node/chain/block.ts';
import { ChainErrorCode } from '../../../electron/node/chain/errors.ts';
import { applyBlock, applyTx, supplyBreakdown } from '../../../electron/node/chain/state.ts';
import { stateRoot } from '../../../electron/node/chain/state-root.ts';
import { signTx, type SignedTx, type TxBody } from '../../../electron/node/chain/tx.ts';
import type { ChainState } from '../../../electron/node/chain/types.ts';
import {
  alice,
  aliceHot,
  bob,
  bobHot,
  carol,
  commitFor,
  nextBlock,
  TAO,
  testGenesis,
  tx,
} from './fixtures.ts';

function rejects(state: ChainState, bad: SignedTx, code: string): void {
  const before = stateRoot(state);
  const r = applyTx(state, bad);
  assert.equal(r.ok, false, `expected ${code}`);
  if (!r.ok) assert.equal(r.error.code, code);
  assert.equal(stateRoot(state), before, 'applyTx changed its input');
  // The same transaction forced into an otherwise valid block.
  const good = nextBlock(state, [], commitFor(state)).block;
  const forced: Block = {
    ...good,
    txs: [bad],
    header: { ...good.header, txRoot: safeTxRoot(bad) },
  };
  const rb = applyBlock(state, forced);
  assert.equal(rb.ok, false);
  if (!rb.ok) {
    const inner =
      rb.error.code === ChainErrorCode.BLOCK_TX_FAILED ? rb.error.data.code : rb.error.code;
    assert.equal(inner, code, `block: ${rb.error.message}`);
  }
  assert.equal(stateRoot(state), before, 'applyBlock changed its input');
}

function safeTxRoot(t: SignedTx): string {
  try {
    return txRootOf([t]);
  } catch {
    return '00'.repeat(32);
  }
}

/** Applies a block of txs (which must all succeed) and returns the new state. */
function step(state: ChainState, txs: SignedTx[], commit = false): ChainState {
  const b = nextBlock(state, txs, commitFor(state));
  assert.deepEqual(
    b.rejected.map((r) => r.error.code),
    [],
    'unexpected rejections',
  );
  void commit;
  return b.state;
}

/** Genesis plus bob's hotkey registered on subnet 1 (uid 1). */
function withTwoNeurons(): ChainState {
  const s = testGenesis();
  return step(s, [
    tx(s, bob, { kind: 'register', netuid: 1, hotkey: bobHot.hex, maxBurn: 10n * TAO }),
  ]);
}

test('a valid transfer moves funds and keeps total supply exact', () => {
  const s = testGenesis();
  const r = applyTx(s, tx(s, alice, { kind: 'transfer', to: carol.hex, amount: 3n * TAO }));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.state.accounts.get(carol.hex)?.free, 3n * TAO);
  assert.equal(r.state.accounts.get(alice.hex)?.free, 1000n * TAO - 3n * TAO - 100_000n);
  assert.equal(r.state.accounts.get(alice.hex)?.nonce, 1);
  const supply = supplyBreakdown(r.state);
  assert.equal(supply.total, supply.issuance);
  assert.notEqual(stateRoot(r.state), stateRoot(s));
});

test('bad signature', () => {
  const s = testGenesis();
  const good = tx(s, alice, { kind: 'transfer', to: bob.hex, amount: TAO });
  const flipped =
    good.signature.slice(0, 10) +
    (good.signature[10] === '0' ? '1' : '0') +
    good.signature.slice(11);
  rejects(s, { ...good, signature: flipped }, ChainErrorCode.BAD_SIGNATURE);
  // Signed by someone else's key.
  const forged = signTx({ ...good.body, signer: bob.hex }, bob.secret);
  rejects(s, { body: good.body, signature: forged.signature }, ChainErrorCode.BAD_SIGNATURE);
  // A non-canonical S (S + L) is refused even though it verifies in some libraries.
  const sig = Buffer.from(good.signature, 'hex');
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let sVal = 0n;
  for (let i = 63; i >= 32; i--) sVal = (sVal << 8n) | BigInt(sig[i] as number);
  sVal += L;
  for (let i = 32; i < 64; i++) {
    sig[i] = Number(sVal & 0xffn);
    sVal >>= 8n;
  }
  rejects(s, { ...good, signature: sig.toString('hex') }, ChainErrorCode.BAD_SIGNATURE);
});

test('wrong chain id', () => {
  const s = testGenesis();
  rejects(
    s,
    tx(s, alice, { kind: 'transfer', to: bob.hex, amount: TAO }, { chainId: 'other' }),
    ChainErrorCode.WRONG_CHAIN_ID,
  );
});

test('replayed and skipped nonces', () => {
  const s0 = testGenesis();
  const first = tx(s0, alice, { kind: 'transfer', to: bob.hex, amount: TAO });
  const s1 = step(s0, [first]);
  rejects(s1, first, ChainErrorCode.NONCE_REPLAYED);
  rejects(
    s1,
    tx(s1, alice, { kind: 'transfer', to: bob.hex, amount: TAO }, { nonce: 5 }),
    ChainErrorCode.NONCE_GAP,
  );
});

test('insufficient balance, fee below minimum, dust', () => {
  const s = testGenesis();
  rejects(
    s,
    tx(s, bob, { kind: 'transfer', to: carol.hex, amount: 51n * TAO }),
    ChainErrorCode.INSUFFICIENT_BALANCE,
  );
  rejects(
    s,
    tx(s, carol, { kind: 'transfer', to: bob.hex, amount: TAO }),
    ChainErrorCode.INSUFFICIENT_BALANCE,
  );
  rejects(
    s,
    tx(s, alice, { kind: 'transfer', to: bob.hex, amount: TAO }, { fee: 1n }),
    ChainErrorCode.FEE_TOO_LOW,
  );
  rejects(
    s,
    tx(s, alice, { kind: 'transfer', to: bob.hex, amount: 1n }),
    ChainErrorCode.AMOUNT_TOO_SMALL,
  );
  // The largest u64 is a valid amount but no balance covers it.
  rejects(
    s,
    tx(s, alice, { kind: 'transfer', to: bob.hex, amount: 2n ** 64n - 1n }),
    ChainErrorCode.INSUFFICIENT_BALANCE,
  );
});

test('amount overflow cannot be expressed', () => {
  const s = testGenesis();
  const body = {
    chainId: s.chainId,
    signer: alice.hex,
    nonce: 0,
    fee: 100_000n,
    kind: 'transfer',
    to: bob.hex,
    amount: 2n ** 64n,
  } as TxBody;
  assert.throws(() => signTx(body, alice.secret), { code: ChainErrorCode.AMOUNT_OUT_OF_RANGE });
  rejects(s, { body, signature: '00'.repeat(64) }, ChainErrorCode.AMOUNT_OUT_OF_RANGE);
  rejects(
    s,
    { body: { ...body, amount: -1n } as TxBody, signature: '00'.repeat(64) },
    ChainErrorCode.AMOUNT_OUT_OF_RANGE,
  );
});

test('unknown subnet', () => {
  const s = testGenesis();
  rejects(
    s,
    tx(s, bob, { kind: 'register', netuid: 9, hotkey: bobHot.hex, maxBurn: 10n * TAO }),
    ChainErrorCode.UNKNOWN_SUBNET,
  );
  rejects(
    s,
    tx(s, aliceHot, { kind: 'set_weights', netuid: 9, uids: [0], weights: [1] }, { fee: 0n }),
    ChainErrorCode.UNKNOWN_SUBNET,
  );
});

test('weights of the wrong length or range', () => {
  const s = withTwoNeurons();
  rejects(
    s,
    tx(s, aliceHot, { kind: 'set_weights', netuid: 1, uids: [0, 1], weights: [1] }, { fee: 0n }),
    ChainErrorCode.WEIGHTS_LENGTH_MISMATCH,
  );
  rejects(
    s,
    tx(s, aliceHot, { kind: 'set_weights', netuid: 1, uids: [1], weights: [70_000] }, { fee: 0n }),
    ChainErrorCode.WEIGHTS_OUT_OF_RANGE,
  );
  rejects(
    s,
    tx(s, aliceHot, { kind: 'set_weights', netuid: 1, uids: [5], weights: [1] }, { fee: 0n }),
    ChainErrorCode.WEIGHTS_OUT_OF_RANGE,
  );
  rejects(
    s,
    tx(s, aliceHot, { kind: 'set_weights', netuid: 1, uids: [1, 1], weights: [1, 2] }, { fee: 0n }),
    ChainErrorCode.WEIGHTS_OUT_OF_RANGE,
  );
});

test('weights too soon or without a validator permit', () => {
  const s = withTwoNeurons();
  // bob's fresh hotkey has no permit: weights on others are refused, a self weight is allowed.
  rejects(
    s,
    tx(s, bobHot, { kind: 'set_weights', netuid: 1, uids: [0], weights: [1] }, { fee: 0n }),
    ChainErrorCode.NO_VALIDATOR_PERMIT,
  );
  assert.ok(
    applyTx(
      s,
      tx(s, bobHot, { kind: 'set_weights', netuid: 1, uids: [1], weights: [1] }, { fee: 0n }),
    ).ok,
  );
  // The owner sets weights, then again one block later: rate limit (2 blocks in the fixture).
  const s1 = step(s, [
    tx(s, aliceHot, { kind: 'set_weights', netuid: 1, uids: [0, 1], weights: [1, 3] }, { fee: 0n }),
  ]);
  const stored = s1.subnets.get('0001')?.neurons[0]?.weights;
  assert.deepEqual(stored, [
    [0, 21845],
    [1, 65535],
  ]); // max-upscaled as subtensor stores them
  rejects(
    s1,
    tx(s1, aliceHot, { kind: 'set_weights', netuid: 1, uids: [1], weights: [1] }, { fee: 0n }),
    ChainErrorCode.WEIGHTS_TOO_SOON,
  );
  const s3 = step(step(s1, []), []);
  assert.ok(
    applyTx(
      s3,
      tx(s3, aliceHot, { kind: 'set_weights', netuid: 1, uids: [1], weights: [1] }, { fee: 0n }),
    ).ok,
  );
});

test('an oversized transaction', () => {
  const s = withTwoNeurons();
  const uids = Array.from({ length: 3000 }, (_, i) => i);
  rejects(
    s,
    tx(
      s,
      aliceHot,
      { kind: 'set_weights', netuid: 1, uids, weights: uids.map(() => 60_000) },
      { fee: 0n },
    ),
    ChainErrorCode.TX_TOO_LARGE,
  );
});

test('a block whose state root does not match', () => {
  const s = testGenesis();
  const b = nextBlock(s, [tx(s, alice, { kind: 'transfer', to: bob.hex, amount: TAO })], null);
  const before = stateRoot(s);
  assert.ok(applyBlock(s, b.block).ok);
  const wrong = { ...b.block, header: { ...b.block.header, stateRoot: 'ff'.repeat(32) } };
  const r = applyBlock(s, wrong);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, ChainErrorCode.STATE_ROOT_MISMATCH);
  assert.equal(stateRoot(s), before);
});

test('block header checks: height, previous hash, time, proposer, last commit, body hashes', () => {
  const s0 = testGenesis();
  const b1 = nextBlock(s0, [], null);
  const s1 = b1.state;
  const b2 = nextBlock(s1, [], b1.commit);
  assert.ok(applyBlock(s1, b2.block).ok);
  const cases: Array<[Block, string]> = [
    [{ ...b2.block, header: { ...b2.block.header, height: 3 } }, ChainErrorCode.WRONG_HEIGHT],
    [
      { ...b2.block, header: { ...b2.block.header, prevHash: '11'.repeat(32) } },
      ChainErrorCode.WRONG_PREV_HASH,
    ],
    [
      { ...b2.block, header: { ...b2.block.header, time: s1.lastBlockTime } },
      ChainErrorCode.BAD_TIME,
    ],
    [
      { ...b2.block, header: { ...b2.block.header, proposer: alice.hex } },
      ChainErrorCode.UNKNOWN_PROPOSER,
    ],
    [{ ...b2.block, header: { ...b2.block.header, chainId: 'x' } }, ChainErrorCode.WRONG_CHAIN_ID],
    [{ ...b2.block, lastCommit: null }, ChainErrorCode.BAD_BODY_HASH],
    [
      { ...b2.block, txs: [tx(s1, alice, { kind: 'transfer', to: bob.hex, amount: TAO })] },
      ChainErrorCode.BAD_BODY_HASH,
    ],
  ];
  const before = stateRoot(s1);
  for (const [block, code] of cases) {
    const r = applyBlock(s1, block);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, code);
  }
  // A commit signed by a non-validator, or for another block.
  const badSig = {
    ...b1.commit,
    signatures: [{ ...b1.commit.signatures[0]!, signature: '00'.repeat(64) }],
  };
  const forged = nextBlock(s1, [], badSig);
  const r = applyBlock(s1, forged.block);
  assert.equal(r.ok ? null : r.error.code, ChainErrorCode.BAD_COMMIT);
  const stale = nextBlock(s1, [], { ...b1.commit, blockHash: '22'.repeat(32) });
  const r2 = applyBlock(s1, stale.block);
  assert.equal(r2.ok ? null : r2.error.code, ChainErrorCode.BAD_COMMIT);
  assert.equal(stateRoot(s1), before);
});

test('applyBlock and buildBlock agree, and replay gives the same roots', () => {
  let s = testGenesis();
  let replay = s;
  let commit = null as ReturnType<typeof nextBlock>['commit'] | null;
  for (let i = 0; i < 12; i++) {
    const b = nextBlock(
      s,
      i % 3 === 0 ? [tx(s, alice, { kind: 'transfer', to: carol.hex, amount: TAO })] : [],
      commit,
    );
    const r = applyBlock(replay, b.block);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    if (!r.ok) return;
    assert.equal(stateRoot(r.state), stateRoot(b.state));
    assert.equal(r.state.lastBlockHash, b.hash);
    s = b.state;
    replay = r.state;
    commit = b.commit;
    const supply = supplyBreakdown(s);
    assert.equal(supply.total, supply.issuance);
  }
});
