/** Emission, registration burn and pruning, staking and dividends, commit-reveal, subnets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { weightsCommitHash } from '../../../electron/node/chain/codec.ts';
import { blockEmission, halvings } from '../../../electron/node/chain/emission.ts';
import { ChainErrorCode } from '../../../electron/node/chain/errors.ts';
import {
  decayBurn,
  decayFactorQ32,
  lockCost,
  raiseBurn,
} from '../../../electron/node/chain/registration.ts';
import { applyTx, supplyBreakdown } from '../../../electron/node/chain/state.ts';
import type { SignedTx } from '../../../electron/node/chain/tx.ts';
import type { ChainEvent, ChainState } from '../../../electron/node/chain/types.ts';
import { DEFAULT_SUBNET_PARAMS } from '../../../electron/node/chain/genesis.ts';
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
  testKey,
  tx,
} from './fixtures.ts';

function step(
  state: ChainState,
  txs: SignedTx[] = [],
): { state: ChainState; events: ChainEvent[] } {
  const b = nextBlock(state, txs, commitFor(state));
  assert.deepEqual(
    b.rejected.map((r) => `${r.error.code} ${r.error.message}`),
    [],
  );
  const supply = supplyBreakdown(b.state);
  assert.equal(supply.total, supply.issuance, 'total supply drifted');
  return { state: b.state, events: b.events };
}

function fails(state: ChainState, t: SignedTx, code: string) {
  const r = applyTx(state, t);
  assert.equal(r.ok ? 'ok' : r.error.code, code);
}

test('halvings follow the 21 M cap: 10.5 M, 15.75 M, 18.375 M TAO', () => {
  const cap = 21_000_000n * TAO;
  assert.equal(halvings(0n, cap), 0);
  assert.equal(halvings(10_500_000n * TAO - 1n, cap), 0);
  assert.equal(halvings(10_500_000n * TAO, cap), 1);
  assert.equal(halvings(15_750_000n * TAO, cap), 2);
  assert.equal(halvings(18_375_000n * TAO, cap), 3);
  assert.equal(blockEmission(0n, TAO, cap), TAO);
  assert.equal(blockEmission(10_500_000n * TAO, TAO, cap), TAO / 2n);
  assert.equal(blockEmission(15_750_000n * TAO, TAO, cap), TAO / 4n);
  assert.ok(blockEmission(cap - 3n, TAO, cap) <= 3n);
  assert.equal(blockEmission(cap, TAO, cap), 0n);
});

test('the registration burn decays by half over its half-life and rises by 1.26 after a registration', () => {
  const p = { ...DEFAULT_SUBNET_PARAMS, burnHalfLife: 100, minBurn: 0n };
  let burn = 1_000_000_000n;
  for (let i = 0; i < 100; i++) burn = decayBurn(burn, p);
  assert.ok(burn >= 499_000_000n && burn <= 500_000_000n, `burn ${burn}`);
  assert.ok(decayFactorQ32(100) < 1n << 32n);
  assert.equal(raiseBurn(1_000_000_000n, p), 1_260_000_000n);
  assert.equal(raiseBurn(90n * TAO, p), 100n * TAO); // clamped at maxBurn
  assert.equal(lockCost(100n, 0, 0, 10n, 1000), 200n);
  assert.equal(lockCost(100n, 0, 500, 10n, 1000), 150n);
  assert.equal(lockCost(100n, 0, 5000, 10n, 1000), 10n);
});

test('register: burn paid and recycled, burn rises, one per block, full subnet replaces the weakest non-immune', () => {
  let s = testGenesis(); // maxUids 4, immunityPeriod 3
  const keys = [bobHot, testKey('n2'), testKey('n3'), testKey('n4'), testKey('n5')];
  const burn0 = s.subnets.get('0001')!.burn;
  const issued0 = s.totalIssuance;
  s = step(s, [
    tx(s, bob, { kind: 'register', netuid: 1, hotkey: keys[0]!.hex, maxBurn: 10n * TAO }),
  ]).state;
  const sub = s.subnets.get('0001')!;
  assert.equal(sub.neurons.length, 2);
  assert.ok(sub.burn > burn0, 'burn rises after a registration');
  assert.equal(s.accounts.get(bob.hex)!.free, 50n * TAO - burn0 - 100_000n);
  assert.equal(s.totalRecycled, burn0 + 100_000n);
  assert.ok(s.totalIssuance < issued0 + TAO);
  // Two registrations in one block: the second is refused.
  const a = tx(s, alice, { kind: 'register', netuid: 1, hotkey: keys[1]!.hex, maxBurn: 10n * TAO });
  const b = tx(s, bob, { kind: 'register', netuid: 1, hotkey: keys[2]!.hex, maxBurn: 10n * TAO });
  const built = nextBlock(s, [a, b], commitFor(s));
  assert.deepEqual(
    built.rejected.map((r) => r.error.code),
    [ChainErrorCode.RATE_LIMITED],
  );
  s = built.state;
  // The burn limit the signer accepted is respected.
  fails(
    s,
    tx(s, bob, { kind: 'register', netuid: 1, hotkey: keys[2]!.hex, maxBurn: 1n }),
    ChainErrorCode.BURN_ABOVE_LIMIT,
  );
  fails(
    s,
    tx(s, bob, { kind: 'register', netuid: 1, hotkey: keys[0]!.hex, maxBurn: 10n * TAO }),
    ChainErrorCode.ALREADY_REGISTERED,
  );
  // A hotkey owned by another coldkey cannot be registered by bob.
  fails(
    s,
    tx(s, bob, { kind: 'register', netuid: 1, hotkey: aliceHot.hex, maxBurn: 10n * TAO }),
    ChainErrorCode.ALREADY_REGISTERED,
  );
  s = step(s, [
    tx(s, bob, { kind: 'register', netuid: 1, hotkey: keys[2]!.hex, maxBurn: 10n * TAO }),
  ]).state;
  assert.equal(s.subnets.get('0001')!.neurons.length, 4); // full
  // Immediately: uids 2 and 3 are immune, uid 1 (registered 3 blocks ago) is not.
  const full = s;
  const next = step(full, [
    tx(full, alice, { kind: 'register', netuid: 1, hotkey: keys[3]!.hex, maxBurn: 10n * TAO }),
  ]);
  const replaced = next.events.find((e) => e.type === 'registered');
  assert.ok(replaced && replaced.type === 'registered');
  assert.equal(replaced.uid, 1);
  assert.equal(replaced.replaced, keys[0]!.hex);
});

test('a full subnet whose neurons are all immune refuses a registration', () => {
  let s = testGenesis({
    subnets: [
      {
        netuid: 1,
        owner: alice.address,
        ownerHotkey: aliceHot.address,
        taskType: 'text-generation',
        params: { maxUids: 2, immunityPeriod: 100 },
      },
    ],
  });
  s = step(s, [
    tx(s, bob, { kind: 'register', netuid: 1, hotkey: bobHot.hex, maxBurn: 10n * TAO }),
  ]).state;
  const other = testKey('late');
  fails(
    s,
    tx(s, alice, { kind: 'register', netuid: 1, hotkey: other.hex, maxBurn: 10n * TAO }),
    ChainErrorCode.SUBNET_FULL,
  );
});

test('stake, unstake (dust returns the whole stake), take bounds and rate limit', () => {
  let s = testGenesis();
  s = step(s, [tx(s, bob, { kind: 'add_stake', hotkey: aliceHot.hex, amount: 10n * TAO })]).state;
  assert.equal(s.hotkeys.get(aliceHot.hex)!.totalStake, 110n * TAO);
  fails(
    s,
    tx(s, bob, { kind: 'add_stake', hotkey: carol.hex, amount: TAO }),
    ChainErrorCode.UNKNOWN_HOTKEY,
  );
  fails(
    s,
    tx(s, bob, { kind: 'add_stake', hotkey: aliceHot.hex, amount: 10n }),
    ChainErrorCode.AMOUNT_TOO_SMALL,
  );
  fails(
    s,
    tx(s, bob, { kind: 'remove_stake', hotkey: aliceHot.hex, amount: 11n * TAO }),
    ChainErrorCode.INSUFFICIENT_STAKE,
  );
  const before = s.accounts.get(bob.hex)!.free;
  s = step(s, [
    tx(s, bob, { kind: 'remove_stake', hotkey: aliceHot.hex, amount: 10n * TAO - 1n }),
  ]).state;
  // 1 rao would remain, below minStake: the whole 10 TAO comes back.
  assert.equal(s.accounts.get(bob.hex)!.free, before + 10n * TAO - 100_000n);
  assert.equal(s.hotkeys.get(aliceHot.hex)!.totalStake, 100n * TAO);
  fails(
    s,
    tx(s, bob, { kind: 'set_take', hotkey: aliceHot.hex, take: 100 }),
    ChainErrorCode.NOT_HOTKEY_OWNER,
  );
  fails(
    s,
    tx(s, alice, { kind: 'set_take', hotkey: aliceHot.hex, take: 20_000 }),
    ChainErrorCode.TAKE_OUT_OF_RANGE,
  );
  s = step(s, [tx(s, alice, { kind: 'set_take', hotkey: aliceHot.hex, take: 1000 })]).state;
  assert.equal(s.hotkeys.get(aliceHot.hex)!.take, 1000);
  s = step(s, [tx(s, alice, { kind: 'set_take', hotkey: aliceHot.hex, take: 2000 })]).state; // first increase
  fails(
    s,
    tx(s, alice, { kind: 'set_take', hotkey: aliceHot.hex, take: 3000 }),
    ChainErrorCode.RATE_LIMITED,
  );
});

test('epochs pay miners and validators; dividends go to delegators pro rata after the take', () => {
  let s = testGenesis(); // tempo 5
  s = step(s, [
    tx(s, bob, { kind: 'register', netuid: 1, hotkey: bobHot.hex, maxBurn: 10n * TAO }),
  ]).state;
  s = step(
    s,
    [tx(s, carol, { kind: 'add_stake', hotkey: aliceHot.hex, amount: 1n })].slice(0, 0),
  ).state;
  s = step(s, [tx(s, alice, { kind: 'transfer', to: carol.hex, amount: 20n * TAO })]).state;
  s = step(s, [tx(s, carol, { kind: 'add_stake', hotkey: aliceHot.hex, amount: 10n * TAO })]).state;
  s = step(s, [
    tx(s, aliceHot, { kind: 'set_weights', netuid: 1, uids: [1], weights: [1] }, { fee: 0n }),
  ]).state;
  const payouts: ChainEvent[] = [];
  const issuedBefore = s.totalIssuance;
  for (let i = 0; i < 12; i++) {
    const r = step(s);
    payouts.push(...r.events);
    s = r.state;
  }
  const kinds = new Set(
    payouts.filter((e) => e.type === 'payout').map((e) => (e as { kind: string }).kind),
  );
  assert.ok(kinds.has('incentive'), 'the miner earned incentive');
  assert.ok(kinds.has('dividend') && kinds.has('take') && kinds.has('owner_cut'));
  const carolDivs = payouts.filter(
    (e) => e.type === 'payout' && e.kind === 'dividend' && e.coldkey === carol.hex,
  );
  const aliceDivs = payouts.filter(
    (e) => e.type === 'payout' && e.kind === 'dividend' && e.coldkey === alice.hex,
  );
  assert.ok(carolDivs.length > 0 && aliceDivs.length > 0);
  // Pro rata: alice stakes 100, carol 10 (before compounding) → carol's share ≈ 1/11.
  const c = carolDivs[0] as { amount: bigint };
  const a = aliceDivs[0] as { amount: bigint };
  assert.ok(a.amount / c.amount >= 9n && a.amount / c.amount <= 11n, `${a.amount} vs ${c.amount}`);
  const epochs = payouts.filter((e) => e.type === 'epoch');
  assert.ok(epochs.length >= 2);
  const minted = s.totalIssuance - issuedBefore;
  assert.equal(minted, 12n * TAO, 'one TAO per block, nothing lost');
  const supply = supplyBreakdown(s);
  assert.equal(supply.total, supply.issuance);
});

test('commit-reveal: plain weights refused, reveal only in the reveal epoch and only if it matches', () => {
  let s = testGenesis({
    subnets: [
      {
        netuid: 1,
        owner: alice.address,
        ownerHotkey: aliceHot.address,
        taskType: 'text-generation',
        params: { commitReveal: true, revealPeriodEpochs: 1 },
      },
    ],
  });
  s = step(s, [
    tx(s, bob, { kind: 'register', netuid: 1, hotkey: bobHot.hex, maxBurn: 10n * TAO }),
  ]).state;
  fails(
    s,
    tx(s, aliceHot, { kind: 'set_weights', netuid: 1, uids: [1], weights: [1] }, { fee: 0n }),
    ChainErrorCode.COMMIT_REVEAL_REQUIRED,
  );
  const salt = '0badc0de';
  const hash = weightsCommitHash(aliceHot.hex, 1, [1], [5], salt);
  s = step(s, [
    tx(s, aliceHot, { kind: 'commit_weights', netuid: 1, commitHash: hash }, { fee: 0n }),
  ]).state;
  const reveal = (st: ChainState, weights = [5]) =>
    tx(st, aliceHot, { kind: 'reveal_weights', netuid: 1, uids: [1], weights, salt }, { fee: 0n });
  fails(s, reveal(s), ChainErrorCode.REVEAL_WRONG_EPOCH);
  while (s.subnets.get('0001')!.epochCount < 1) s = step(s).state;
  fails(s, reveal(s, [6]), ChainErrorCode.NO_MATCHING_COMMIT);
  s = step(s, [reveal(s)]).state;
  assert.deepEqual(s.subnets.get('0001')!.neurons[0]!.weights, [[1, 65535]]);
});

test('create_subnet locks TAO and registers the owner; serve publishes bounded addresses', () => {
  let s = testGenesis();
  const hot = testKey('subnet-2-owner');
  fails(
    s,
    tx(s, alice, {
      kind: 'create_subnet',
      hotkey: hot.hex,
      taskType: 'Bad Type',
      maxLock: 1000n * TAO,
      model: null,
    }),
    ChainErrorCode.BAD_TASK_TYPE,
  );
  fails(
    s,
    tx(s, alice, {
      kind: 'create_subnet',
      hotkey: hot.hex,
      taskType: 'embedding',
      maxLock: TAO,
      model: null,
    }),
    ChainErrorCode.LOCK_ABOVE_LIMIT,
  );
  const freeBefore = s.accounts.get(alice.hex)!.free;
  s = step(s, [
    tx(s, alice, {
      kind: 'create_subnet',
      hotkey: hot.hex,
      taskType: 'embedding',
      maxLock: 1000n * TAO,
      model: null,
    }),
  ]).state;
  const sub = s.subnets.get('0002')!;
  assert.equal(sub.owner, alice.hex);
  assert.equal(sub.neurons[0]!.hotkey, hot.hex);
  assert.equal(s.accounts.get(alice.hex)!.free, freeBefore - sub.locked - 100_000n);
  assert.ok(sub.locked > 199n * TAO && sub.locked <= 200n * TAO);
  const addrs = ['/ip4/1.2.3.4/tcp/4001/p2p/12D3KooW', '/dns4/example.org/tcp/443/wss'];
  s = step(s, [tx(s, hot, { kind: 'serve', netuid: 2, addrs }, { fee: 0n })]).state;
  assert.deepEqual(s.subnets.get('0002')!.neurons[0]!.axon?.addrs, addrs);
  fails(
    s,
    tx(s, hot, { kind: 'serve', netuid: 2, addrs }, { fee: 0n }),
    ChainErrorCode.RATE_LIMITED,
  );
  fails(
    s,
    tx(s, hot, { kind: 'serve', netuid: 2, addrs: ['not a multiaddr'] }, { fee: 0n }),
    ChainErrorCode.BAD_ADDRESSES,
  );
  fails(
    s,
    tx(s, hot, { kind: 'serve', netuid: 2, addrs: Array(5).fill('/ip4/1.1.1.1') }, { fee: 0n }),
    ChainErrorCode.BAD_ADDRESSES,
  );
  fails(
    s,
    tx(s, hot, { kind: 'serve', netuid: 1, addrs }, { fee: 0n }),
    ChainErrorCode.NOT_REGISTERED,
  );
});
