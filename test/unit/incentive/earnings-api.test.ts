/**
 * The earnings computations on a real chain (temp folder, real store and index): totals per role
 * equal the stored payouts, zero figures carry a reason, series are per epoch with a running
 * cumulative and the neuron's results, ranges cut by block time, the APY inputs reproduce the
 * rate, and the metagraph marks the wallet's own neurons.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChainQueries } from '../../../electron/node/chain/queries.ts';
import type { ChainStore } from '../../../electron/node/chain/store/chain-store.ts';
import {
  earningsSeries,
  earningsSummary,
  mergePoints,
  metagraphWithOwn,
  subnetList,
  validatorApy,
  ZeroReason,
} from '../../../electron/node/incentive/earnings.ts';
import { alice, aliceHot, bob, bobHot, carol, daveHot, earningsChain } from './earnings-fixture.ts';

let store: ChainStore;
let q: ChainQueries;
before(async () => {
  ({ store, q } = await earningsChain(30)); // epochs at blocks 5, 10, … 30
});
after(() => store.close());

const aliceWallet = {
  name: 'alice',
  coldkey: { address: alice.address },
  hotkeys: [
    { name: 'validator', address: aliceHot.address },
    { name: 'spare', address: daveHot.address },
  ],
};

function payoutSum(sel: { coldkey?: string; hotkey?: string }, kinds: string[]): bigint {
  let t = 0n;
  for (const p of q.store.db.payouts(sel, 0, 1e9)) if (kinds.includes(p.kind)) t += p.amount;
  return t;
}

test('summary: per-role totals are the stored payouts; the wallet total is the coldkey’s', () => {
  const s = earningsSummary(q, aliceWallet);
  assert.equal(s.block, 30);
  const c = s.coldkey;
  assert.equal(c.ownerCut.paid, payoutSum({ coldkey: alice.hex }, ['owner_cut']).toString());
  assert.equal(
    c.validating.paid,
    payoutSum({ coldkey: alice.hex }, ['dividend', 'take']).toString(),
  );
  assert.equal(
    BigInt(c.total),
    BigInt(c.ownerCut.paid) + BigInt(c.validating.paid) + BigInt(c.incentive.paid),
  );
  assert.ok(BigInt(c.ownerCut.paid) > 0n && c.ownerCut.zeroReason === null);
  // The validator hotkey's dividends include what its delegator carol got.
  const v = s.hotkeys[0]!;
  assert.equal(
    v.dividends.paid,
    payoutSum({ hotkey: aliceHot.hex }, ['dividend', 'take']).toString(),
  );
  assert.ok(BigInt(v.dividends.paid) > BigInt(c.validating.paid));
  assert.deepEqual(
    v.subnets.map((p) => [p.netuid, p.uid, p.validatorPermit]),
    [[1, 0, true]],
  );
  assert.equal(v.subnets[0]!.nextEpochBlock, 35);
});

test('summary: every zero figure says why', () => {
  const a = earningsSummary(q, aliceWallet);
  assert.equal(a.hotkeys[0]!.incentive.zeroReason, ZeroReason.NO_WEIGHTS_YET);
  assert.equal(a.hotkeys[1]!.incentive.zeroReason, ZeroReason.NOT_REGISTERED);
  assert.equal(a.hotkeys[1]!.dividends.zeroReason, ZeroReason.NOT_REGISTERED);
  assert.equal(a.coldkey.delegation.zeroReason, ZeroReason.NO_STAKE);
  const b = earningsSummary(q, {
    name: 'bob',
    coldkey: { address: bob.address },
    hotkeys: [{ name: 'miner', address: bobHot.address }],
  });
  assert.ok(BigInt(b.coldkey.incentive.paid) > 0n);
  assert.equal(b.coldkey.incentive.paid, b.hotkeys[0]!.incentive.paid);
  assert.equal(b.hotkeys[0]!.dividends.zeroReason, ZeroReason.NO_WEIGHTS_SET);
  assert.equal(b.coldkey.ownerCut.zeroReason, ZeroReason.NOT_SUBNET_OWNER);
  const c = earningsSummary(q, { name: 'carol', coldkey: { address: carol.address }, hotkeys: [] });
  assert.ok(BigInt(c.coldkey.delegation.paid) > 0n, 'carol earns from delegating to alice');
  assert.deepEqual(
    c.coldkey.delegations.map((d) => d.hotkey),
    [aliceHot.address],
  );
  assert.equal(c.coldkey.total, c.coldkey.delegation.paid);
});

test('summary before any epoch: NO_EPOCH_YET', async () => {
  const early = await earningsChain(3);
  try {
    const s = earningsSummary(early.q, aliceWallet);
    assert.equal(s.hotkeys[0]!.dividends.zeroReason, ZeroReason.NO_EPOCH_YET);
    assert.equal(s.coldkey.ownerCut.zeroReason, ZeroReason.NO_EPOCH_YET);
  } finally {
    await early.store.close();
  }
});

test('series: one point per epoch, cumulative running, results of the neuron, block times', () => {
  const s = earningsSeries(q, { address: bobHot.address, role: 'hotkey', range: 'all' });
  assert.deepEqual(
    s.points.map((p) => p.block),
    [5, 10, 15, 20, 25, 30],
  );
  let running = 0n;
  for (const p of s.points) {
    running += BigInt(p.earned);
    assert.equal(p.cumulative, running.toString());
    assert.equal(p.time, 1_767_225_600_000 + p.block * 1000);
    assert.equal(p.byKind.incentive, p.earned);
  }
  assert.equal(s.total, running.toString());
  assert.equal(s.total, payoutSum({ hotkey: bobHot.hex }, ['incentive']).toString());
  const last = s.points.at(-1)!;
  assert.equal(last.rank, 1);
  assert.equal(last.trust, 1);
  assert.equal(last.incentive, 1);
  // A coldkey that only delegates: its points carry no neuron results.
  const c = earningsSeries(q, { address: carol.address, role: 'coldkey', range: 'all' });
  assert.ok(c.points.length >= 5);
  assert.ok(c.points.every((p) => p.rank === null));
  assert.equal(c.total, payoutSum({ coldkey: carol.hex }, ['dividend']).toString());
});

test('series: ranges are measured back from the latest block time', () => {
  // 1 s blocks: the whole chain is 30 s old, so 24h = all.
  const day = earningsSeries(q, { address: alice.address, role: 'coldkey', range: '24h' });
  const all = earningsSeries(q, { address: alice.address, role: 'coldkey', range: 'all' });
  assert.equal(day.total, all.total);
  assert.equal(day.fromBlock, 1);
  assert.equal(day.now, q.state.lastBlockTime);
  const merged = mergePoints(all.points, 2);
  assert.equal(merged.length, 2);
  assert.equal(merged.at(-1)!.cumulative, all.total);
  assert.equal(
    merged.reduce((t, p) => t + BigInt(p.earned), 0n),
    BigInt(all.total),
  );
});

test('apy: the rate is dividends to stakers over stake, the formula and inputs are returned', () => {
  const a = validatorApy(q, 1, 4);
  assert.match(a.formula, /\(1 \+ r\)\^n − 1/);
  assert.equal(a.epochMsSource, 'measured');
  assert.equal(a.epochMs, 5000);
  assert.equal(a.epochsPerYear, (365.25 * 24 * 3600_000) / 5000);
  const v = a.validators.find((x) => x.hotkey === aliceHot.address)!;
  assert.equal(v.epochs, 4);
  const r = Number(v.delegatorDividends) / Number(v.stakeSum);
  assert.ok(Math.abs(v.ratePerEpoch - r) < 1e-12);
  assert.ok(Math.abs(v.apr - r * a.epochsPerYear) < 1e-6 * v.apr);
  assert.equal(v.zeroReason, null);
  const miner = a.validators.find((x) => x.hotkey === bobHot.address);
  assert.equal(miner?.zeroReason, ZeroReason.NO_WEIGHTS_YET);
  assert.equal(miner?.ratePerEpoch, 0);
});

test('metagraph marks the wallet’s own neurons; subnets list next epochs', () => {
  const m = metagraphWithOwn(q, 1, aliceWallet);
  assert.deepEqual(
    m.neurons.map((n) => [n.uid, n.mine]),
    [
      [0, true],
      [1, false],
    ],
  );
  assert.ok(m.neurons[0]!.take > 0);
  assert.ok(metagraphWithOwn(q, 1, null).neurons.every((n) => !n.mine));
  assert.deepEqual(
    subnetList(q).map((s) => [s.netuid, s.n, s.nextEpochBlock]),
    [[1, 2, 35]],
  );
  assert.throws(() => metagraphWithOwn(q, 9, null), /no subnet 9/);
});
