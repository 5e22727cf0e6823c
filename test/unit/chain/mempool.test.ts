import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChainErrorCode } from '../../../electron/node/chain/errors.ts';
import { Mempool } from '../../../electron/node/chain/mempool.ts';
import { txHash } from '../../../electron/node/chain/tx.ts';
import { alice, bob, carol, commitFor, nextBlock, TAO, testGenesis, tx } from './fixtures.ts';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

test('entry checks: signature, nonce, balance, duplicates', () => {
  const s = testGenesis();
  const pool = new Mempool();
  const t0 = tx(s, alice, { kind: 'transfer', to: carol.hex, amount: TAO });
  pool.add(t0, s);
  assert.equal(
    code(() => pool.add(t0, s)),
    ChainErrorCode.DUPLICATE_TX,
  );
  assert.equal(
    code(() => pool.add({ ...t0, signature: '00'.repeat(64) }, s)),
    ChainErrorCode.BAD_SIGNATURE,
  );
  assert.equal(
    code(() => pool.add(tx(s, bob, { kind: 'transfer', to: carol.hex, amount: 60n * TAO }), s)),
    ChainErrorCode.INSUFFICIENT_BALANCE,
  );
  // Future nonces queue; their cost counts against the balance together.
  pool.add(tx(s, bob, { kind: 'transfer', to: carol.hex, amount: 30n * TAO }, { nonce: 0 }), s);
  assert.equal(
    code(() =>
      pool.add(tx(s, bob, { kind: 'transfer', to: carol.hex, amount: 30n * TAO }, { nonce: 1 }), s),
    ),
    ChainErrorCode.INSUFFICIENT_BALANCE,
  );
  assert.equal(
    code(() =>
      pool.add(tx(s, bob, { kind: 'transfer', to: carol.hex, amount: TAO }, { nonce: 500 }), s),
    ),
    ChainErrorCode.NONCE_TOO_FAR,
  );
  assert.equal(pool.nextNonce(bob.hex, s), 1);
  // Anything the next block would refuse is refused now (here: unknown subnet).
  assert.equal(
    code(() =>
      pool.add(
        tx(s, carol, { kind: 'set_weights', netuid: 7, uids: [0], weights: [1] }, { fee: 0n }),
        s,
      ),
    ),
    ChainErrorCode.UNKNOWN_SUBNET,
  );
});

test('order: highest fee first across signers, nonce order within a signer', () => {
  const s = testGenesis();
  const pool = new Mempool();
  const a0 = tx(
    s,
    alice,
    { kind: 'transfer', to: carol.hex, amount: TAO },
    { fee: 200_000n, nonce: 0 },
  );
  const a1 = tx(
    s,
    alice,
    { kind: 'transfer', to: carol.hex, amount: TAO },
    { fee: 900_000n, nonce: 1 },
  );
  const b0 = tx(
    s,
    bob,
    { kind: 'transfer', to: carol.hex, amount: TAO },
    { fee: 500_000n, nonce: 0 },
  );
  pool.add(a1, s); // arrives first but cannot go before a0
  pool.add(a0, s);
  pool.add(b0, s);
  assert.deepEqual(pool.select(s, 10).map(txHash), [b0, a0, a1].map(txHash));
  assert.deepEqual(pool.select(s, 1).map(txHash), [txHash(b0)]);
  // After a block including them, prune empties the pool.
  const built = nextBlock(s, pool.select(s, 10), commitFor(s));
  assert.equal(built.included.length, 3);
  pool.prune(built.state);
  assert.equal(pool.size, 0);
});

test('replace-by-fee needs a strictly higher fee', () => {
  const s = testGenesis();
  const pool = new Mempool();
  pool.add(tx(s, alice, { kind: 'transfer', to: carol.hex, amount: TAO }, { fee: 200_000n }), s);
  assert.equal(
    code(() =>
      pool.add(tx(s, alice, { kind: 'transfer', to: bob.hex, amount: TAO }, { fee: 200_000n }), s),
    ),
    ChainErrorCode.REPLACEMENT_UNDERPRICED,
  );
  const better = tx(s, alice, { kind: 'transfer', to: bob.hex, amount: TAO }, { fee: 300_000n });
  pool.add(better, s);
  assert.equal(pool.size, 1);
  assert.deepEqual(pool.select(s, 5).map(txHash), [txHash(better)]);
});

test('bounded: a full pool evicts its cheapest tail for a better fee, else refuses', () => {
  const s = testGenesis();
  const pool = new Mempool({ maxSize: 2 });
  const cheap = tx(s, alice, { kind: 'transfer', to: carol.hex, amount: TAO }, { fee: 100_000n });
  pool.add(cheap, s);
  pool.add(tx(s, bob, { kind: 'transfer', to: carol.hex, amount: TAO }, { fee: 300_000n }), s);
  const carolFunded = nextBlock(
    s,
    [tx(s, alice, { kind: 'transfer', to: carol.hex, amount: 5n * TAO }, { fee: 100_000n })],
    commitFor(s),
  ).state;
  assert.equal(
    code(() =>
      pool.add(
        tx(carolFunded, carol, { kind: 'transfer', to: bob.hex, amount: TAO }, { fee: 100_000n }),
        carolFunded,
      ),
    ),
    ChainErrorCode.MEMPOOL_FULL,
  );
  pool.add(
    tx(carolFunded, carol, { kind: 'transfer', to: bob.hex, amount: TAO }, { fee: 500_000n }),
    carolFunded,
  );
  assert.equal(pool.size, 2);
  assert.equal(pool.has(txHash(cheap)), false);
});

test('after a block, a signer’s next transaction that the new state refuses for good is dropped', () => {
  const s = testGenesis();
  const pool = new Mempool();
  // Alice and Bob both register hotkey Dave on subnet 1; Bob's lands in a block this node did
  // not build (no rejection list). Alice's can never apply now: prune must drop it, or every
  // later transaction of Alice's would wait behind its nonce forever.
  const dave = carol.hex;
  const register = { kind: 'register' as const, netuid: 1, hotkey: dave, maxBurn: 100n * TAO };
  const alices = tx(s, alice, register);
  pool.add(alices, s);
  const later = tx(s, alice, { kind: 'transfer', to: bob.hex, amount: TAO }, { nonce: 1 });
  pool.add(later, s);
  const block = nextBlock(s, [tx(s, bob, register)], null);
  assert.equal(block.rejected.length, 0, 'Bob registered Dave');
  pool.prune(block.state);
  assert.deepEqual(
    pool.pending().map((t) => txHash(t)),
    [txHash(later)],
    'the dead registration is gone; the transfer behind it waits for nonce 0 again',
  );
  assert.equal(pool.nextNonce(alice.hex, block.state), 0);
  // A refusal that passes with time (a nonce gap) keeps the transaction.
  pool.prune(block.state);
  assert.equal(pool.pending().length, 1);
});
