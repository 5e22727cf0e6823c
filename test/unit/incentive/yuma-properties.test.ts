// Properties Yuma consensus must have, checked on constructed and random (seeded) subnets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  yumaEpoch,
  type YumaInput,
  type YumaNeuronInput,
} from '../../../electron/node/incentive/yuma.ts';
import { Subnet, uids, xorshift } from './harness.ts';

const PARAMS = {
  tempo: 360,
  activityCutoff: 5000,
  kappa: 32767,
  bondsMovingAverage: 900_000,
  bondsPenalty: 65535,
  maxAllowedValidators: 64,
  yuma3: false,
};

function randomSubnet(seed: number, n: number, v: number, yuma3: boolean): YumaInput {
  const r = xorshift(seed);
  const neurons: YumaNeuronInput[] = [];
  for (let i = 0; i < n; i++) {
    const isV = i < v;
    const weights: Array<[number, number]> = [];
    const bonds: Array<[number, number]> = [];
    if (isV) {
      for (let j = 0; j < n; j++) {
        if (r() % 3 !== 0) weights.push([j, r() % 65536]);
        if (r() % 4 === 0) bonds.push([j, r() % 65536]);
      }
    }
    neurons.push({
      stake: isV ? BigInt(r() % 1_000_000) * 1_000_000_000n : BigInt(r() % 1000),
      validatorPermit: isV && r() % 8 !== 0,
      lastUpdate: 9000 + (r() % 1000),
      registeredAt: r() % 9500,
      weights,
      bonds,
    });
  }
  return {
    ...PARAMS,
    yuma3,
    bondsPenalty: r() % 2 === 0 ? 65535 : r() % 65536,
    currentBlock: 10_000,
    neurons,
    subnetEmission: BigInt(r()) * 1_000_003n,
  };
}

test('incentive sums to 1 (65535 within rounding) and payouts sum exactly, on random subnets', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const input = randomSubnet(seed, 24, 6, seed % 2 === 0);
    const out = yumaEpoch(input);
    const anyIncentive = out.neurons.some((o) => o.incentive.u16 > 0);
    if (anyIncentive) {
      const u16sum = out.neurons.reduce((a, o) => a + o.incentive.u16, 0);
      // Each u16 floors (< 1 lost each) and the fixed values sum to 1 − (< n ulp).
      assert.ok(
        u16sum <= 65535 && u16sum >= 65535 - input.neurons.length,
        `seed ${seed}: ${u16sum}`,
      );
      const valueSum = out.neurons.reduce((a, o) => a + o.incentive.value, 0);
      assert.ok(Math.abs(valueSum - 1) < 1e-8, `seed ${seed}: ${valueSum}`);
    }
    const paid = out.neurons.reduce((a, o) => a + o.minerEmission + o.validatorEmission, 0n);
    assert.equal(paid + out.unallocated, input.subnetEmission, `seed ${seed}`);
    const floored = out.neurons.reduce(
      (a, o) => a + o.subtensorEmission.miner + o.subtensorEmission.validator,
      0n,
    );
    assert.equal(paid - floored, out.dust);
    for (const o of out.neurons) {
      // Never below subtensor's own floor for the same uid.
      assert.ok(o.minerEmission >= o.subtensorEmission.miner);
      assert.ok(o.validatorEmission >= o.subtensorEmission.validator);
    }
    // Deterministic: same input, same output.
    assert.deepEqual(yumaEpoch(input), out);
  }
});

// 3 honest validators and 2 colluders (uids 0-4), miners 5-9. Honest validators weight miners
// 5-8 and give miner 9 `honestOn9`; colluders put all their weight on miner 9.
function collusion(colluderStake: bigint, honestOn9: number): YumaInput {
  const honest: Array<[number, number]> = [
    [5, 65535],
    [6, 65535],
    [7, 65535],
    [8, 65535],
    [9, honestOn9],
  ];
  const stakes = [100n, 100n, 100n, colluderStake, colluderStake];
  return {
    ...PARAMS,
    currentBlock: 1000,
    subnetEmission: 1_000_000_000n,
    neurons: Array.from({ length: 10 }, (_, i) => ({
      stake: i < 5 ? (stakes[i] as bigint) : 0n,
      validatorPermit: i < 5,
      lastUpdate: 999,
      registeredAt: 1,
      weights: i < 3 ? honest : i < 5 ? [[9, 65535]] : [],
    })),
  };
}

test('a colluding minority below kappa cannot lift a miner above consensus', () => {
  // Colluders hold 2·149/(300 + 298) = 49.8% of stake, just below kappa.
  let out = yumaEpoch(collusion(149n, 0));
  assert.equal(out.neurons[9]?.consensus.u16, 0);
  assert.equal(out.neurons[9]?.incentive.u16, 0);
  assert.equal(out.neurons[9]?.minerEmission, 0n);
  // The colluders' weight is clipped away entirely, so they keep no validator trust.
  assert.equal(out.neurons[3]?.validatorTrust.u16, 0);

  // Honest validators give miner 9 a small weight (1/41 of their row): consensus stays there.
  out = yumaEpoch(collusion(149n, 6553));
  const honestShare = Math.floor((6553 * 65535) / (4 * 65535 + 6553));
  assert.ok(Math.abs((out.neurons[9]?.consensus.u16 as number) - honestShare) <= 1);
  // A colluder's whole row is cut to the consensus value.
  assert.equal(out.neurons[3]?.validatorTrust.u16, out.neurons[9]?.consensus.u16);

  // Control: with a majority (2·160/620 = 51.6%) the colluders do set consensus.
  out = yumaEpoch(collusion(160n, 0));
  assert.equal(out.neurons[9]?.consensus.u16, 65535);
});

function discoverySim(yuma3: boolean): {
  early: bigint;
  late: bigint;
  perEpoch: Array<[number, number]>;
} {
  // Validators 0 (early) and 1 (late) have equal stake; validator 2 holds half the stake and
  // votes for the new miner 4 from the start, so consensus is on 4 throughout. Validator 1 keeps
  // voting for the old miner 3 for 5 epochs, then copies consensus.
  const net = new Subnet(
    uids(5, (i) => ({ stake: [100n, 100n, 200n, 0n, 0n][i] as bigint })),
    { ...PARAMS, yuma3, tempo: 1, maxAllowedValidators: 3 },
  );
  net.epoch(1);
  let early = 0n;
  let late = 0n;
  const perEpoch: Array<[number, number]> = [];
  for (let e = 0; e < 20; e++) {
    const block = 2 + e;
    net.setWeights(0, [[4, 65535]], block);
    net.setWeights(2, [[4, 65535]], block);
    net.setWeights(1, e < 5 ? [[3, 65535]] : [[4, 65535]], block);
    const out = net.epoch(block);
    if (e >= 5) {
      early += out.neurons[0]?.validatorEmission as bigint;
      late += out.neurons[1]?.validatorEmission as bigint;
      perEpoch.push([
        out.neurons[0]?.dividends.u16 as number,
        out.neurons[1]?.dividends.u16 as number,
      ]);
    }
  }
  return { early, late, perEpoch };
}

test('a validator that copies consensus late earns less through bonds than one that found it first', () => {
  for (const yuma3 of [false, true]) {
    const { early, late, perEpoch } = discoverySim(yuma3);
    assert.ok(early > late, `yuma3=${yuma3}: early ${early} late ${late}`);
    for (const [a, b] of perEpoch) assert.ok(a >= b, `yuma3=${yuma3}: ${a} < ${b}`);
    // The gap closes as the late validator's bonds catch up, but it is still there.
    const first = perEpoch[0] as [number, number];
    const last = perEpoch[perEpoch.length - 1] as [number, number];
    assert.ok(first[0] - first[1] > last[0] - last[1]);
  }
});

test('inactive validators earn nothing (Yuma3), and their weights do not count', () => {
  const mk = (lastUpdate1: number, bonds1: Array<[number, number]>, yuma3: boolean): YumaInput => ({
    ...PARAMS,
    yuma3,
    currentBlock: 10_000,
    subnetEmission: 1_000_000_000n,
    neurons: [
      {
        stake: 100n,
        validatorPermit: true,
        lastUpdate: 9_990,
        registeredAt: 1,
        weights: [[2, 65535]],
        bonds: [[2, 30000]],
      },
      {
        stake: 100n,
        validatorPermit: true,
        lastUpdate: lastUpdate1,
        registeredAt: 1,
        weights: [[3, 65535]],
        bonds: bonds1,
      },
      { stake: 0n, validatorPermit: false, lastUpdate: 1, registeredAt: 1 },
      { stake: 0n, validatorPermit: false, lastUpdate: 1, registeredAt: 1 },
    ],
  });
  // Validator 1 last updated at 4999: 4999 + 5000 < 10000, inactive.
  for (const yuma3 of [true, false]) {
    const out = yumaEpoch(mk(4_999, [], yuma3));
    assert.equal(out.neurons[1]?.active, false);
    assert.equal(out.neurons[1]?.dividends.u16, 0);
    assert.equal(out.neurons[1]?.validatorEmission, 0n);
    // Its vote for miner 3 does not count: all incentive goes to miner 2.
    assert.equal(out.neurons[3]?.incentive.u16, 0);
    assert.equal(out.neurons[2]?.incentive.u16, 65535);
  }
  // Yuma3 pays dividends only on active stake: even with old bonds it earns nothing.
  const y3 = yumaEpoch(mk(4_999, [[2, 65535]], true));
  assert.equal(y3.neurons[1]?.dividends.u16, 0);
  // Boundary: lastUpdate + cutoff == currentBlock is still active.
  assert.equal(yumaEpoch(mk(5_000, [], true)).neurons[1]?.active, true);
});

test("self-weights are masked (except the subnet owner's), outdated and non-permitted weights too", () => {
  const base = (over: Partial<YumaNeuronInput>[], ownerUid: number | null = null): YumaInput => ({
    ...PARAMS,
    ownerUid,
    currentBlock: 1000,
    subnetEmission: 1_000_000_000n,
    neurons: [
      {
        stake: 100n,
        validatorPermit: true,
        lastUpdate: 900,
        registeredAt: 1,
        weights: [[2, 65535]],
        ...over[0],
      },
      {
        stake: 100n,
        validatorPermit: true,
        lastUpdate: 900,
        registeredAt: 1,
        weights: [[2, 65535]],
        ...over[1],
      },
      { stake: 0n, validatorPermit: false, lastUpdate: 1, registeredAt: 1, ...over[2] },
    ],
  });
  // Validator 0 votes for itself and miner 2: the self-weight is dropped, so its row is all on 2.
  let out = yumaEpoch(
    base([
      {
        weights: [
          [0, 65535],
          [2, 65535],
        ],
      },
    ]),
  );
  assert.equal(out.neurons[0]?.incentive.u16, 0);
  assert.equal(out.neurons[0]?.validatorTrust.u16, 65535);
  // Owner exception: the owner's self-weight is kept. With half the stake (more than kappa =
  // 0.49999) its 0.5 self-weight is the consensus on uid 0: ranks 0.25 (uid 0) and 0.75 (uid 2).
  out = yumaEpoch(
    base(
      [
        {
          weights: [
            [0, 65535],
            [2, 65535],
          ],
        },
      ],
      0,
    ),
  );
  assert.equal(out.neurons[0]?.consensus.u16, 32767);
  assert.equal(out.neurons[0]?.incentive.u16, 16383);
  assert.equal(out.neurons[2]?.incentive.u16, 49151);

  // Miner 2 re-registered at block 950, after both validators' last update (900): masked.
  out = yumaEpoch(base([{}, {}, { registeredAt: 950, lastUpdate: 950 }]));
  assert.equal(out.neurons[2]?.incentive.u16, 0);
  assert.equal(out.neurons[2]?.consensus.u16, 0);
  // Registered at exactly the update block: still masked (`last_update <= registered`).
  out = yumaEpoch(base([{}, {}, { registeredAt: 900, lastUpdate: 900 }]));
  assert.equal(out.neurons[2]?.incentive.u16, 0);
  // One block earlier: counted.
  out = yumaEpoch(base([{}, {}, { registeredAt: 899, lastUpdate: 899 }]));
  assert.equal(out.neurons[2]?.incentive.u16, 65535);

  // Commit-reveal: a commit at block 890 for uid 0 predates miner 2's registration at 895.
  out = yumaEpoch(
    base([{ commitBlock: 890 }, { weights: [] }, { registeredAt: 895, lastUpdate: 895 }]),
  );
  assert.equal(out.neurons[2]?.incentive.u16, 0);

  // A big holder without a permit: its weights (for miner 3... here uid 2 → weights to 1) are ignored.
  out = yumaEpoch(
    base([
      { stake: 10_000n, validatorPermit: false, weights: [[1, 65535]] },
      { weights: [[2, 65535]] },
    ]),
  );
  assert.equal(out.neurons[1]?.incentive.u16, 0);
  assert.equal(out.neurons[2]?.incentive.u16, 65535);
  assert.equal(out.neurons[0]?.validatorTrust.u16, 0);
  // ... but it gets a permit for the next epoch, by stake.
  assert.equal(out.neurons[0]?.validatorPermit, true);
});

test('validator permits: top-k by stake, ties at the cut keep the higher uid, zero stake never', () => {
  const out = yumaEpoch({
    ...PARAMS,
    maxAllowedValidators: 2,
    currentBlock: 10,
    subnetEmission: 0n,
    neurons: [5n, 7n, 5n, 0n].map((stake) => ({
      stake,
      validatorPermit: false,
      lastUpdate: 1,
      registeredAt: 0,
    })),
  });
  assert.deepEqual(
    out.neurons.map((o) => o.validatorPermit),
    [false, true, true, false],
  );
});
